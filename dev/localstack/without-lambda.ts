/** A CloudFormation template's resources, as far as trimming needs them. */
export interface TemplateLike {
  Resources: Record<
    string,
    {
      Type: string;
      Properties?: Record<string, unknown>;
      DependsOn?: string | string[];
      [k: string]: unknown;
    }
  >;
  Outputs?: Record<string, unknown>;
  [k: string]: unknown;
}

/** Resource types Community LocalStack cannot create without Docker (a function needs a runtime container). */
export const NEEDS_LAMBDA_RUNTIME = new Set(["AWS::Lambda::Function"]);

function mentions(value: unknown, ids: Set<string>): boolean {
  if (Array.isArray(value)) return value.some((v) => mentions(v, ids));
  if (value === null || typeof value !== "object") return false;
  for (const [k, v] of Object.entries(value)) {
    if (k === "Ref" && typeof v === "string" && ids.has(v)) return true;
    if (k === "Fn::GetAtt") {
      const target = Array.isArray(v) ? v[0] : typeof v === "string" ? v.split(".")[0] : undefined;
      if (typeof target === "string" && ids.has(target)) return true;
    }
    if (k === "Fn::Sub") {
      const text = Array.isArray(v) ? v[0] : v;
      if (typeof text === "string" && [...ids].some((id) => text.includes(`\${${id}`))) return true;
    }
    if (k === "DependsOn") {
      const deps = Array.isArray(v) ? v : [v];
      if (deps.some((d) => typeof d === "string" && ids.has(d))) return true;
    }
    if (mentions(v, ids)) return true;
  }
  return false;
}

/**
 * The template without its functions and everything that refers to them (event source mappings,
 * permissions, schedules, outputs), found by following Ref, Fn::GetAtt, Fn::Sub and DependsOn to a fixed
 * point. Returns the trimmed template and the logical ids removed, so a caller can check nothing else went.
 */
export function withoutLambdaFunctions(template: TemplateLike): {
  template: TemplateLike;
  removed: string[];
} {
  const removed = new Set(
    Object.entries(template.Resources)
      .filter(([, r]) => NEEDS_LAMBDA_RUNTIME.has(r.Type))
      .map(([id]) => id),
  );
  for (let grew = true; grew;) {
    grew = false;
    for (const [id, resource] of Object.entries(template.Resources)) {
      if (!removed.has(id) && mentions(resource, removed)) {
        removed.add(id);
        grew = true;
      }
    }
  }
  const Resources = Object.fromEntries(Object.entries(template.Resources).filter(([id]) => !removed.has(id)));
  const Outputs = template.Outputs
    ? Object.fromEntries(Object.entries(template.Outputs).filter(([, o]) => !mentions(o, removed)))
    : undefined;
  return {
    template: { ...template, Resources, ...(Outputs ? { Outputs } : {}) },
    removed: [...removed].sort(),
  };
}

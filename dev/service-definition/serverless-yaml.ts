import { readFileSync } from "node:fs";
import { parse, type Tags } from "yaml";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";

/**
 * The one reader of serverless.yml: just enough of the Serverless Framework's configuration model for the
 * local stack and packaging (service-definition.ts) and the local runner (stream-event.ts) to read the file itself, so
 * it stays the one source of truth. CloudFormation short-form tags (`!GetAtt`, `!Ref`, ...) become their long
 * forms; the `${...}` variable sources serverless.yml uses are resolved for a stage. Anything we cannot
 * resolve stays visible in an error instead of silently becoming a default.
 */
export type ServerlessConfig = Record<string, unknown>;

export interface VariableContext {
  /** The `--stage` option: `${opt:stage}`; also `${sls:stage}` and `${param:...}` when set. */
  stage?: string;
  /** The `--region` option: `${opt:region}` and `${aws:region}`. */
  region?: string;
  env?: NodeJS.ProcessEnv;
}

const CFN_FUNCTIONS = [
  "Ref",
  "Condition",
  "GetAtt",
  "Sub",
  "Join",
  "Select",
  "Split",
  "If",
  "Equals",
  "And",
  "Or",
  "Not",
  "FindInMap",
  "ImportValue",
  "Base64",
  "Cidr",
  "GetAZs",
];

/** Short-form tags become the long form CloudFormation itself would produce (`!GetAtt A.Arn` → {Fn::GetAtt: [A, Arn]}). */
const cfnTags: Tags = CFN_FUNCTIONS.flatMap((name) => {
  const key = name === "Ref" || name === "Condition" ? name : `Fn::${name}`;
  const wrap = (value: unknown) => ({
    [key]: name === "GetAtt" && typeof value === "string" ? value.split(".") : value,
  });
  return [
    { tag: `!${name}`, resolve: (value: string) => wrap(value) },
    {
      tag: `!${name}`,
      collection: "seq" as const,
      resolve: (seq: { toJSON(): unknown }) => wrap(seq.toJSON()),
    },
    {
      tag: `!${name}`,
      collection: "map" as const,
      resolve: (map: { toJSON(): unknown }) => wrap(map.toJSON()),
    },
  ];
}) as unknown as Tags;

export function parseServerlessYaml(text: string, source = "serverless.yml"): ServerlessConfig {
  let parsed: unknown;
  try {
    parsed = parse(text, { customTags: cfnTags });
  } catch (error) {
    throw new ConfigurationError(
      `${source} is not valid YAML: ${(error as Error).message}`,
      "Fix the YAML syntax.",
      error,
    );
  }
  if (!isRecord(parsed))
    throw new ConfigurationError(
      `${source} does not hold a YAML mapping`,
      "Check the file is a serverless.yml.",
    );
  return parsed;
}

export function readServerlessYaml(path: string): ServerlessConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigurationError(
      `cannot read ${path}: ${(error as Error).message}`,
      "Run from the project root or pass the serverless.yml path.",
      error,
    );
  }
  return parseServerlessYaml(text, path);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Walks a dotted path (`provider.stage`, `custom.stream.batchSize`) through plain objects. */
export function getPath(root: unknown, path: string): unknown {
  let node: unknown = root;
  for (const part of path.split(".")) {
    if (!isRecord(node)) return undefined;
    node = node[part];
  }
  return node;
}

/** The stage option, else `provider.stage` (resolved as if deploying to `dev`), else the framework's `dev`. */
export function stageOf(config: ServerlessConfig, ctx: VariableContext = {}): string {
  const declared = getPath(config, "provider.stage");
  if (ctx.stage) return ctx.stage;
  if (typeof declared === "string" && !declared.includes("${")) return declared;
  if (typeof declared === "string") {
    const resolved = resolveVariables(config, declared, { ...ctx, stage: "dev" });
    if (typeof resolved === "string") return resolved;
  }
  return "dev";
}

/**
 * A Serverless variable names a lowercase source (`${self:...}`, `${env:...}`); `${AWS::Region}` and
 * `${Logical.Attr}` inside Fn::Sub are CloudFormation's and are left for it.
 */
const VARIABLE = /\$\{([a-z]+:[^{}]*)\}/;

/**
 * Resolves `${self:a.b}`, `${sls:stage}`, `${opt:stage, 'dev'}`, `${opt:region}`, `${aws:region}`, `${param:x}`,
 * `${env:X, fallback}` inside a value (recursively, innermost first, with `, fallback` defaults).
 * A value that is exactly one variable keeps the referenced value's type (a number stays a number).
 */
export function resolveVariables(
  config: ServerlessConfig,
  value: unknown,
  ctx: VariableContext = {},
  depth = 0,
): unknown {
  if (depth > 30)
    throw new ConfigurationError(
      "serverless.yml variables nest too deeply (a cycle?)",
      "Check the ${self:...} references.",
    );
  if (Array.isArray(value)) return value.map((v) => resolveVariables(config, v, ctx, depth + 1));
  if (isRecord(value))
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveVariables(config, v, ctx, depth + 1)]),
    );
  if (typeof value !== "string") return value;
  let text = value;
  for (let guard = 0; guard < 50; guard++) {
    const match = VARIABLE.exec(text);
    if (!match) return text;
    const resolved = resolveVariables(config, resolveOne(config, match[1] ?? "", ctx), ctx, depth + 1);
    if (match[0] === text) return resolved;
    text = text.replace(match[0], String(resolved));
  }
  return text;
}

function resolveOne(config: ServerlessConfig, expression: string, ctx: VariableContext): unknown {
  for (const alternative of splitTopLevelCommas(expression)) {
    const value = resolveSource(config, alternative.trim(), ctx);
    if (value !== undefined && value !== null) return value;
  }
  throw new ConfigurationError(
    `serverless.yml variable \${${expression}} has no value${ctx.stage ? ` for stage ${ctx.stage}` : " here"}`,
    "Give it a value (in params for the stage, or a fallback after a comma).",
  );
}

function resolveSource(config: ServerlessConfig, source: string, ctx: VariableContext): unknown {
  const literal = /^(['"])(.*)\1$/.exec(source);
  if (literal) return literal[2];
  if (/^-?\d+(\.\d+)?$/.test(source)) return Number(source);
  if (source === "true" || source === "false") return source === "true";
  const colon = source.indexOf(":");
  if (colon < 0) return undefined;
  const kind = source.slice(0, colon);
  const key = source.slice(colon + 1);
  const env = ctx.env ?? process.env;
  switch (kind) {
    case "self":
      return getPath(config, key);
    case "sls":
      return key === "stage" ? stageOf(config, ctx) : undefined;
    case "opt":
      if (key === "stage") return ctx.stage;
      if (key === "region") return ctx.region;
      return undefined;
    case "aws":
      return key === "region" ? (ctx.region ?? env.AWS_REGION ?? "us-east-1") : undefined;
    case "env":
      return env[key];
    case "param": {
      const stage = stageOf(config, ctx);
      return getPath(config, `params.${stage}.${key}`) ?? getPath(config, `params.default.${key}`);
    }
    default:
      return undefined;
  }
}

/** `a, 'b, c', d` → [a, 'b, c', d]: a quoted fallback may hold a comma. */
function splitTopLevelCommas(text: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === ",") {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

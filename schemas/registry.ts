import type { z } from "zod";
import type { PayloadIssue, PayloadValidator, ValidationResult } from "../lib/envelope/types.js";
import { ConfigurationError } from "../lib/errors/kjp-error.js";
import { compileParser, type CompiledParser } from "./compiled-parser.js";
import { findUnsafeStructure, formatPath } from "./safe-data.js";
import type { MessageSchema } from "./types.js";

const TYPE_PATTERN = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;
/** Enough for a human to see what is wrong; the full list stays in `issues`. */
const DETAIL_MAX_PATHS = 5;

/**
 * All message types and versions this deployment understands. Validation lifts every accepted payload to
 * the latest version of its type, so processors see one shape per type while old producers keep working.
 */
export class SchemaRegistry implements PayloadValidator {
  // A Map, not an object literal: a type named "__proto__" or "constructor" must never resolve to anything.
  private readonly byType = new Map<string, MessageSchema[]>();
  // Each schema's compiled parser, made on the schema's first use (compiled-parser.ts).
  private readonly parsers = new Map<MessageSchema, CompiledParser>();

  /** Versions must be registered in order (1, 2, …) and every v > 1 needs an upcaster from v - 1. */
  register<T extends Record<string, unknown>>(schema: MessageSchema<T>): this {
    const s = schema as unknown as MessageSchema;
    if (!TYPE_PATTERN.test(s.type)) {
      throw new ConfigurationError(
        `schema type "${s.type}" is not a lowercase dotted name`,
        "use names like contact.upserted",
      );
    }
    if (!Number.isSafeInteger(s.v) || s.v < 1) {
      throw new ConfigurationError(
        `schema ${s.type} has version ${String(s.v)}`,
        "versions are positive integers",
      );
    }
    const versions = this.byType.get(s.type) ?? [];
    const expected = versions.length + 1;
    if (s.v !== expected) {
      throw new ConfigurationError(
        `schema ${s.type} v${s.v} registered out of order`,
        `register v${expected} next`,
      );
    }
    if (s.v > 1 && typeof s.upcastFrom !== "function") {
      throw new ConfigurationError(
        `schema ${s.type} v${s.v} has no upcaster from v${s.v - 1}`,
        "add upcastFrom",
      );
    }
    versions.push(s);
    this.byType.set(s.type, versions);
    return this;
  }

  get(type: string, v: number): MessageSchema | undefined {
    if (!Number.isSafeInteger(v) || v < 1) return undefined;
    return this.byType.get(type)?.[v - 1];
  }

  latest(type: string): MessageSchema | undefined {
    const versions = this.byType.get(type);
    return versions?.[versions.length - 1];
  }

  /** Every registered schema, by type then version. */
  list(): MessageSchema[] {
    return [...this.byType.keys()].sort().flatMap((t) => this.byType.get(t)!);
  }

  validate(type: string, v: number, data: unknown): ValidationResult {
    const schema = typeof type === "string" && typeof v === "number" ? this.get(type, v) : undefined;
    if (!schema) {
      const known = typeof type === "string" ? this.byType.get(type) : undefined;
      const detail = known
        ? `no schema for ${type} v${String(v)} (known versions: ${known.map((s) => s.v).join(", ")})`
        : `no schema for message type ${JSON.stringify(type)}`;
      return { ok: false, reason: "unknown_type", detail };
    }

    const unsafe = findUnsafeStructure(data);
    if (unsafe) return invalid(`${type} v${v}`, [unsafe]);

    const parsed = parse(this.parserOf(schema), data);
    if (!parsed.ok) return invalid(`${type} v${v}`, parsed.issues);

    let current = parsed.data;
    const versions = this.byType.get(type)!;
    for (let i = v; i < versions.length; i++) {
      const next = versions[i]!;
      let lifted: unknown;
      try {
        lifted = next.upcastFrom!(current);
      } catch (error) {
        // An upcaster that throws on data its own input schema accepted is a bug, but the record is still
        // unusable as sent: a permanent rejection, not a crash of the batch.
        const message = error instanceof Error ? error.message : String(error);
        return invalid(`${type} v${v} (upcast to v${next.v})`, [
          { path: "(root)", message: `upcaster failed: ${message}` },
        ]);
      }
      const step = parse(this.parserOf(next), lifted);
      if (!step.ok) return invalid(`${type} v${v} (upcast to v${next.v})`, step.issues);
      current = step.data;
    }
    return { ok: true, v: versions.length, data: current };
  }

  private parserOf(schema: MessageSchema): z.ZodType {
    let parser = this.parsers.get(schema);
    if (!parser) {
      parser = compileParser(schema.schema);
      this.parsers.set(schema, parser);
    }
    return parser.schema;
  }
}

type ParseResult = { ok: true; data: Record<string, unknown> } | { ok: false; issues: PayloadIssue[] };

function parse(schema: z.ZodType, data: unknown): ParseResult {
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, data: result.data as Record<string, unknown> };
  return { ok: false, issues: toIssues(result.error.issues) };
}

/** Zod issues as `{path: "mentions[2]", message}`; an unknown key becomes an issue at that key's own path. */
export function toIssues(zodIssues: readonly z.core.$ZodIssue[]): PayloadIssue[] {
  return zodIssues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: "unknown key" }));
    }
    return [{ path: formatPath(issue.path), message: issue.message }];
  });
}

function invalid(what: string, issues: PayloadIssue[]): ValidationResult {
  const shown = issues.slice(0, DETAIL_MAX_PATHS).map((i) => `${i.path} (${i.message})`);
  const more = issues.length > DETAIL_MAX_PATHS ? `, and ${issues.length - DETAIL_MAX_PATHS} more` : "";
  return {
    ok: false,
    reason: "invalid_payload",
    detail: `data does not match ${what}: ${shown.join(", ")}${more}`,
    issues,
  };
}

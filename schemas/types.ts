import type { z } from "zod";
import type { PayloadIssue } from "../lib/envelope/types.js";

/** One version of one message type: its Zod schema, and how to lift the previous version's data to it. */
export interface MessageSchema<T extends Record<string, unknown> = Record<string, unknown>> {
  /** Lowercase dotted message type, e.g. `contact.upserted`. */
  type: string;
  /** Positive integer schema version. */
  v: number;
  description: string;
  schema: z.ZodType<T>;
  /** Turns valid data of version v-1 into data of this version. Absent for v1. */
  upcastFrom?: (previous: Record<string, unknown>) => T;
  /** A realistic example that the schema accepts (used by docs, tests, demos and benchmarks). */
  example: T;
}

export type ValidationResult =
  | { ok: true; v: number; data: Record<string, unknown> }
  | { ok: false; reason: "unknown_type" | "invalid_payload"; detail: string; issues?: PayloadIssue[] };

/** What the envelope verifier needs from the schema registry. */
export interface PayloadValidator {
  /**
   * Validates `data` against the schema of (type, v) and upcasts it to the latest version of the type.
   * Never throws for bad data.
   */
  validate(type: string, v: number, data: unknown): ValidationResult;
}

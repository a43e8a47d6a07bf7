import type { z } from "zod";

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

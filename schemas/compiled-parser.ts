import { z } from "zod";

/**
 * A schema's parser, compiled by Zod (`z.compile`) into one generated function for that schema's shape.
 *
 * Every message the consumer accepts is parsed once (twice when it is upcast), and the generic interpreter
 * spends most of its time dispatching between schema nodes: compiled, a payload parses 4-6x faster (bench:verify
 * and docs/architecture.md). Zod's compiled clone runs the generated code first and hands any input it cannot
 * accept to the ordinary runtime parser, so a failure's issues (and therefore our invalid_payload details)
 * are the runtime's own; schemas/compiled-parser.test.ts checks both give the same answer on random input.
 *
 * Compiling costs a little CPU, so a schema is compiled on its first use, not at start-up (cold start stays
 * the same). `strict` makes Zod say when it cannot compile a schema (an async refinement, say); such a schema
 * keeps the runtime parser, which is correct, only slower, and `compiled` says so (the registry test asserts
 * that every schema of this pipeline compiles).
 */
export interface CompiledParser {
  schema: z.ZodType;
  compiled: boolean;
}

export function compileParser(schema: z.ZodType): CompiledParser {
  try {
    return { schema: z.compile(schema, { strict: true }), compiled: true };
  } catch {
    return { schema, compiled: false };
  }
}

import type { deaggregate } from "./aggregation.js";

export type Deaggregate = typeof deaggregate;

let loading: Promise<Deaggregate> | undefined;

/**
 * The KPL reader (aggregation.ts, over protobufjs), loaded on first need: most streams never carry an
 * aggregate, and evaluating protobufjs and the schema at import cost every cold start about 10 ms of CPU.
 * The bundler keeps the module in the same file; only its evaluation waits for the first aggregate.
 */
export function loadDeaggregate(): Promise<Deaggregate> {
  loading ??= import("./aggregation.js").then((m) => m.deaggregate);
  return loading;
}

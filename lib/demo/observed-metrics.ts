import { Metrics } from "@aws-lambda-powertools/metrics";

/** What the consumer itself reported, summed over its invocations (its own EMF metrics). */
export interface ConsumerTally {
  invocations: number;
  processed: number;
  duplicate: number;
  rejected: number;
  /** Failed or left unfinished for redelivery (counted again on each attempt). */
  failed: number;
}

export const emptyTally = (): ConsumerTally => ({
  invocations: 0,
  processed: 0,
  duplicate: 0,
  rejected: 0,
  failed: 0,
});

/**
 * The consumer's Metrics, observed: each invocation's EMF document is read before it is written, so the
 * demo reports the consumer's own view (processed, duplicate, rejected, failed) next to the ledger's,
 * without parsing log lines. Emission itself is unchanged.
 */
export class ObservedMetrics extends Metrics {
  constructor(
    options: ConstructorParameters<typeof Metrics>[0],
    private readonly tally: ConsumerTally,
  ) {
    super(options);
  }

  override publishStoredMetrics(): this {
    if (this.hasStoredMetrics()) {
      const emf = this.serializeMetrics() as unknown as Record<string, unknown>;
      if (typeof emf.batchSize === "number") {
        this.tally.invocations++;
        for (const name of ["processed", "duplicate", "rejected", "failed"] as const) {
          const value = emf[name];
          if (typeof value === "number") this.tally[name] += value;
        }
      }
    }
    return super.publishStoredMetrics();
  }
}

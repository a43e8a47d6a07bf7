import { Metrics } from "@aws-lambda-powertools/metrics";

/** What the consumer itself reported, summed over its invocations (its own EMF metrics). */
export interface ConsumerTally {
  invocations: number;
  processed: number;
  duplicate: number;
  rejected: number;
  /** Failed or left unfinished for redelivery (counted again on each attempt). */
  failed: number;
  /** Rejections by reason code (the consumer's `rejectedByReason` metric, dimension `reason`). */
  rejectedByReason: Record<string, number>;
}

export const emptyTally = (): ConsumerTally => ({
  invocations: 0,
  processed: 0,
  duplicate: 0,
  rejected: 0,
  failed: 0,
  rejectedByReason: {},
});

/**
 * The consumer's Metrics, observed: each invocation's EMF document is read before it is written, so the
 * demo reports the consumer's own view (processed, duplicate, rejected, failed) next to the ledger's,
 * without parsing log lines. Emission itself is unchanged.
 */
export class ObservedMetrics extends Metrics {
  constructor(
    private readonly options: NonNullable<ConstructorParameters<typeof Metrics>[0]>,
    private readonly tally: ConsumerTally,
  ) {
    super(options);
  }

  /** The consumer emits rejections by reason as single metrics (one dimension each): observe those too. */
  override singleMetric(): Metrics {
    return new ObservedMetrics({ ...this.options, singleMetric: true }, this.tally);
  }

  override publishStoredMetrics(): this {
    if (this.hasStoredMetrics()) {
      const emf = this.serializeMetrics() as unknown as Record<string, unknown>;
      const byReason = emf.rejectedByReason;
      if (typeof byReason === "number" && typeof emf.reason === "string") {
        this.tally.rejectedByReason[emf.reason] = (this.tally.rejectedByReason[emf.reason] ?? 0) + byReason;
      }
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

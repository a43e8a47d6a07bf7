/** How big a chaos run is and how many faults of each kind it injects. */
export type FaultKind =
  | "dynamodb_kill"
  | "dynamodb_pause"
  | "runner_kill"
  | "kinesis_restart"
  | "producer_outage"
  | "processor_errors";

export interface ChaosProfile {
  name: string;
  /** Messages published through the TypeScript publisher and through the gem. */
  tsMessages: number;
  gemMessages: number;
  /** Partition keys per producer (each key belongs to one producer, so its sequence is that producer's). */
  tsKeys: number;
  gemKeys: number;
  /** Share of hostile records put straight on the stream, relative to the messages. */
  hostileShare: number;
  /** Seconds over which the messages are published (faults land inside this window). */
  publishSeconds: number;
  /** Faults scheduled at random moments of the window, by kind. */
  faults: Record<FaultKind, number>;
  /** Probability that the chaos processor throws (a transient error) for any one attempt. */
  processorErrorRate: number;
  /**
   * How often kinesis-mock writes its snapshot (the whole stream each time): with tens of thousands of records,
   * often enough starves it. A kinesis restart waits for two of these.
   */
  kinesisSnapshotSeconds: number;
}

const NO_FAULTS: Record<FaultKind, number> = {
  dynamodb_kill: 0,
  dynamodb_pause: 0,
  runner_kill: 0,
  kinesis_restart: 0,
  producer_outage: 0,
  processor_errors: 0,
};

export const PROFILES: Record<string, ChaosProfile> = {
  short: {
    name: "short",
    tsMessages: 2_000,
    gemMessages: 1_200,
    tsKeys: 40,
    gemKeys: 24,
    hostileShare: 0.02,
    publishSeconds: 70,
    faults: {
      dynamodb_kill: 1,
      dynamodb_pause: 1,
      runner_kill: 2,
      kinesis_restart: 1,
      producer_outage: 1,
      processor_errors: 1,
    },
    processorErrorRate: 0.01,
    kinesisSnapshotSeconds: 5,
  },
  long: {
    name: "long",
    tsMessages: 14_000,
    gemMessages: 7_000,
    tsKeys: 150,
    gemKeys: 80,
    hostileShare: 0.02,
    publishSeconds: 300,
    faults: {
      dynamodb_kill: 3,
      dynamodb_pause: 3,
      runner_kill: 4,
      kinesis_restart: 2,
      producer_outage: 3,
      processor_errors: 3,
    },
    processorErrorRate: 0.01,
    kinesisSnapshotSeconds: 15,
  },
  /** The canary's: small and calm, so a planted corruption is the only thing that can go wrong. */
  canary: {
    name: "canary",
    tsMessages: 150,
    gemMessages: 60,
    tsKeys: 6,
    gemKeys: 4,
    hostileShare: 0.02,
    publishSeconds: 5,
    faults: NO_FAULTS,
    processorErrorRate: 0,
    kinesisSnapshotSeconds: 5,
  },
};

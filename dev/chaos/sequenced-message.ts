import { z } from "zod";
import type { VerifiedMessage } from "../../lib/envelope/types.js";
import { apply, type Processor, type ProcessorResult } from "../../lib/effects/processor.js";
import type { MessageSchema } from "../../schemas/types.js";

/**
 * The chaos run's own message type, registered only in its wiring (dev/chaos/consumer-wiring.ts), never in
 * schemas/ or processors/. Its one effect appends the producer's per-key sequence number to a list on the key's
 * item, so the final list shows loss (a number missing), double effects (a number twice) and order (a number
 * before a smaller one) exactly.
 */
export const SEQUENCED_TYPE = "chaos.sequenced";

export const sequencedSchema = z.strictObject({
  key: z.string().min(1).max(128),
  seq: z.number().int().min(1),
  producer: z.enum(["ts", "gem", "hostile"]),
});

export type SequencedData = z.infer<typeof sequencedSchema>;

export const sequencedV1: MessageSchema<SequencedData> = {
  type: SEQUENCED_TYPE,
  v: 1,
  description: "Chaos run only: the n-th message of one partition key.",
  schema: sequencedSchema,
  example: { key: "ts-0001", seq: 1, producer: "ts" },
};

/** The projections item that holds a key's applied sequence. */
export const sequenceItemKey = (key: string) => ({ pk: `chaos#${key}`, sk: "sequence" });

export const processSequenced: Processor = (message: VerifiedMessage): ProcessorResult => {
  const data = message.data as unknown as SequencedData;
  return apply([{ op: "update", key: sequenceItemKey(data.key), append: { seqs: [data.seq] } }]);
};

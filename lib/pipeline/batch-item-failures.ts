import { compareSequenceNumbers } from "../kinesis/sequence.js";
import type { KinesisStreamBatchResponse } from "aws-lambda";

export interface CheckpointInput {
  sequenceNumber: string;
  /** true when the record was not finished (failed transiently, or skipped after an earlier failure of its key). */
  unfinished: boolean;
}

/**
 * The ReportBatchItemFailures response. Lambda checkpoints just before the LOWEST reported sequence number
 * and redelivers everything from there (records of other keys after it too: those come back as duplicates
 * through the ledger). Every unfinished record is reported, lowest first, so the response stays right even
 * if a later reader only looks at one entry. Sequence numbers are compared as integers (they are 56+ digits).
 */
export function batchItemFailures(records: readonly CheckpointInput[]): KinesisStreamBatchResponse {
  const unfinished = records.filter((r) => r.unfinished).map((r) => r.sequenceNumber);
  const unique = [...new Set(unfinished)].sort(compareSequenceNumbers);
  return { batchItemFailures: unique.map((itemIdentifier) => ({ itemIdentifier })) };
}

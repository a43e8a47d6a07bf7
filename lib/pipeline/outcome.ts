import type { RejectionReason } from "../envelope/reasons.js";
import type { PayloadIssue } from "../envelope/types.js";
import type { MessageFacts } from "../ledger/ledger-items.js";
import type { DecodedRecord } from "./decode.js";

/**
 * What became of one record. `processed`, `duplicate` and `rejected` are finished (acknowledged);
 * `failed` (transient) and `unfinished` (not attempted or rolled back after an earlier failure of its key,
 * or DynamoDB unreachable) go into batchItemFailures so Lambda redelivers them.
 */
export type RecordOutcome =
  | { status: "processed"; skippedEffects: number }
  | { status: "duplicate" }
  | {
      status: "rejected";
      reason: RejectionReason;
      detail: string;
      issues?: PayloadIssue[];
      /** A verification rejection whose iss/jti are signed: recorded under `msg#<iss>#<jti>`, not its position. */
      identityVerified?: true;
    }
  | { status: "failed"; code: string; detail: string }
  | { status: "unfinished"; reason: UnfinishedReason; detail: string }
  /** Held behind its partition key's park (park.ts): its parked item is written, a drain applies it later. */
  | { status: "parked"; reason: string; detail: string };

/**
 * Why a record was left for redelivery without being tried to the end. It is the `reason` of the record's log
 * line, which is how a CloudWatch replay finds these records without re-reading the stream:
 * - `unfinished_after_failure`: an earlier record of its partition key failed (order per key);
 * - `unfinished_deadline`: the invocation was about to time out;
 * - `unfinished_ledger_unavailable`: DynamoDB could not be reached, the rest of the commit was abandoned;
 * - `unfinished_parked`: its partition key is parked and parking it behind could not be written yet;
 * - `unfinished_not_attempted`: none of the above applied (a safety net; should not happen).
 */
export type UnfinishedReason =
  | "unfinished_after_failure"
  | "unfinished_deadline"
  | "unfinished_ledger_unavailable"
  | "unfinished_parked"
  | "unfinished_not_attempted";

export interface RecordReport {
  record: DecodedRecord;
  outcome: RecordOutcome;
  /** Verified facts for processed/duplicate/processor-rejected records; unverified claims for other rejections. */
  facts: MessageFacts;
}

export const isFinished = (outcome: RecordOutcome): boolean =>
  outcome.status !== "failed" && outcome.status !== "unfinished";

/**
 * Permanent vs transient, for anything that THREW while handling a record (verifier, processor). Bad input is
 * never thrown (the verifier returns a rejection; a processor returns a refusal), so a throw is trouble
 * outside the record: retry it. Treating an unexpected bug as transient costs a redelivery, while treating
 * it as permanent would drop a good message.
 */
export function failureFromError(
  error: unknown,
  fallbackCode: string,
): { status: "failed"; code: string; detail: string } {
  const code =
    typeof (error as { code?: unknown })?.code === "string" ? (error as { code: string }).code : fallbackCode;
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { status: "failed", code, detail: detail.slice(0, 1000) };
}

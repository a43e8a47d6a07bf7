import { boundedText } from "../ledger/bounded-text.js";
import type { RecordReport } from "./outcome.js";
import { peekIdentity } from "./peek.js";

/** Records named in one log line at most: a line stays far below CloudWatch's 256 KB event limit. */
export const RECORDS_PER_LINE = 200;
/** Records of a group shown with their detail (the rest are named by position only). */
export const SAMPLES_PER_LINE = 3;

/** Where one record sat, and the identity it claims (bounded; `identityVerified` says whether it is signed). */
export interface LineRecord {
  sequenceNumber: string;
  /** The user record's place inside a KPL aggregate (absent for a plain record). */
  subSequenceNumber?: number;
  partitionKey: string;
  jti?: string;
  iss?: string;
  type?: string;
  identityVerified?: boolean;
}

/**
 * One log line for the records of one shard that ended with the same outcome and reason in one batch. It
 * names every record by its position, the pointer replay follows (to the stream, or to the ledger key), and
 * shows the detail of a few; it never carries a record's bytes or its payload `data`: a rejected
 * contact.upserted must not put an email address into the logs, and 1,000 junk records must not become
 * 1,000 lines of 4 KB. `part`/`parts` number the lines of a group larger than RECORDS_PER_LINE.
 */
export interface OutcomeLine {
  message: string;
  outcome: "rejected" | "failed" | "unfinished" | "parked";
  reason: string;
  shardId: string;
  count: number;
  part: number;
  parts: number;
  samples: Array<{ sequenceNumber: string; detail: string }>;
  records: LineRecord[];
}

const MESSAGES = {
  rejected: "records rejected",
  failed: "records failed",
  unfinished: "records unfinished",
  // The parked item keeps the raw record; the line says where each went and why.
  parked: "records parked",
} as const;

export function outcomeLines(reports: readonly RecordReport[]): OutcomeLine[] {
  const groups = new Map<
    string,
    { outcome: OutcomeLine["outcome"]; reason: string; shardId: string; of: RecordReport[] }
  >();
  for (const report of reports) {
    const { outcome } = report;
    if (
      outcome.status !== "rejected" &&
      outcome.status !== "failed" &&
      outcome.status !== "unfinished" &&
      outcome.status !== "parked"
    )
      continue;
    const reason = outcome.status === "failed" ? outcome.code : outcome.reason;
    const key = `${outcome.status}\u0000${reason}\u0000${report.record.shardId}`;
    const group = groups.get(key) ?? {
      outcome: outcome.status,
      reason,
      shardId: report.record.shardId,
      of: [],
    };
    group.of.push(report);
    groups.set(key, group);
  }
  const lines: OutcomeLine[] = [];
  for (const group of groups.values()) {
    const parts = Math.ceil(group.of.length / RECORDS_PER_LINE);
    for (let p = 0; p < parts; p++) {
      const slice = group.of.slice(p * RECORDS_PER_LINE, (p + 1) * RECORDS_PER_LINE);
      lines.push({
        message: MESSAGES[group.outcome],
        outcome: group.outcome,
        reason: group.reason,
        shardId: group.shardId,
        count: group.of.length,
        part: p + 1,
        parts,
        samples: slice.slice(0, SAMPLES_PER_LINE).map((r) => ({
          sequenceNumber: r.record.sequenceNumber,
          detail: boundedText("detail" in r.outcome ? r.outcome.detail : "", 300),
        })),
        records: slice.map(lineRecord),
      });
    }
  }
  return lines;
}

/**
 * A record as a line names it. A record never verified (most unfinished ones) is named by the identity read
 * from its claims WITHOUT verification, flagged `identityVerified: false`: enough to find it, never to trust it.
 */
function lineRecord({ record, outcome, facts }: RecordReport): LineRecord {
  const out: LineRecord = {
    sequenceNumber: record.sequenceNumber,
    ...(record.subSequenceNumber !== undefined ? { subSequenceNumber: record.subSequenceNumber } : {}),
    partitionKey: record.partitionKey,
  };
  const verified =
    outcome.status === "rejected"
      ? outcome.identityVerified === true || outcome.reason === "processor"
      : facts.jti !== undefined && facts.claimsVerified !== false;
  if (facts.jti !== undefined) {
    out.jti = boundedText(facts.jti);
    if (facts.iss !== undefined) out.iss = boundedText(facts.iss);
  } else if (outcome.status !== "rejected") {
    const peeked = peekIdentity(record.data);
    if (peeked) Object.assign(out, { jti: peeked.jti, iss: peeked.iss });
  }
  if (facts.type !== undefined) out.type = boundedText(facts.type, 128);
  if (out.jti !== undefined) out.identityVerified = verified;
  return out;
}

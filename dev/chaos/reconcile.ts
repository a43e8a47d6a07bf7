/**
 * The chaos run's verdict, from what DynamoDB holds alone: the sequence lists the chaos processor appended to
 * (projections table) and the ledger's items. Pure, so a test can hand it a corrupted table and watch it fail.
 */

export interface PublishedKey {
  key: string;
  producer: "ts" | "gem";
  /** The key's messages are numbered 1..count. */
  count: number;
}

export interface ExpectedRejection {
  kind: string;
  expect: string;
  shardId: string;
  sequenceNumber: string;
  /** The ledger key a verified rejection would have (msg#iss#jti), when the token names a string iss and jti. */
  messageKey?: string;
  /** SHA-256 (hex) of the record's bytes, as the ledger's `rawSha256`. */
  sha256: string;
}

export interface LedgerOutcome {
  pk: string;
  status: string;
  reason?: string;
  shardId?: string;
  sequenceNumber?: string;
  iss?: string;
  rawSha256?: string;
}

export interface ReconcileInput {
  published: PublishedKey[];
  hostile: ExpectedRejection[];
  /** Issuers whose messages the workload published (their ledger markers must be `done`). */
  producerIssuers: string[];
  /** The list on each chaos#<key> item. */
  sequences: Map<string, number[]>;
  ledger: LedgerOutcome[];
}

export interface Verdict {
  ok: boolean;
  published: number;
  applied: number;
  /** Applied more than once (every extra copy of a sequence number in a key's list). */
  duplicateEffects: number;
  /** Adjacent pairs of a key's list in the wrong order. */
  orderViolations: number;
  /** Published and neither applied nor rejected. */
  unaccounted: number;
  /** Effects no published message explains (a sequence number out of range, a key nobody published). */
  foreignEffects: number;
  rejected: Record<string, number>;
  hostileRejectedAsExpected: number;
  /** Hostile records with no rejection, or another reason than expected. */
  hostileMismatches: number;
  /** Rejections no hostile record explains. */
  unexpectedRejections: number;
  /** Ledger items still `failed`, `in_progress` or parked after the replay. */
  leftPending: number;
  /** `done` markers of the producers' issuers, against the published count. */
  doneMarkers: number;
  /** Human-readable, the first few per kind. */
  mismatches: string[];
}

const SAMPLES = 5;

export function reconcile(input: ReconcileInput): Verdict {
  const mismatches: string[] = [];
  const note = (kind: string, seen: Map<string, number>, text: string) => {
    const n = (seen.get(kind) ?? 0) + 1;
    seen.set(kind, n);
    if (n <= SAMPLES) mismatches.push(text);
  };
  const seen = new Map<string, number>();
  let published = 0;
  let applied = 0;
  let duplicateEffects = 0;
  let orderViolations = 0;
  let unaccounted = 0;
  let foreignEffects = 0;

  const publishedKeys = new Set<string>();
  for (const p of input.published) {
    publishedKeys.add(p.key);
    published += p.count;
    const list = input.sequences.get(p.key) ?? [];
    const times = new Map<number, number>();
    for (const [i, s] of list.entries()) {
      times.set(s, (times.get(s) ?? 0) + 1);
      if (!Number.isSafeInteger(s) || s < 1 || s > p.count) {
        foreignEffects++;
        note("foreign", seen, `key ${p.key}: sequence ${s} was never published (1..${p.count})`);
      }
      if (i > 0 && s < list[i - 1]!) {
        orderViolations++;
        note("order", seen, `key ${p.key}: ${s} applied after ${list[i - 1]} (position ${i})`);
      }
    }
    for (let s = 1; s <= p.count; s++) {
      const n = times.get(s) ?? 0;
      if (n === 0) {
        unaccounted++;
        note("missing", seen, `key ${p.key}: message ${s} of ${p.count} never applied`);
      } else {
        applied++;
        if (n > 1) {
          duplicateEffects += n - 1;
          note("duplicate", seen, `key ${p.key}: message ${s} applied ${n} times`);
        }
      }
    }
  }
  for (const [key, list] of input.sequences) {
    if (publishedKeys.has(key)) continue;
    foreignEffects += list.length;
    note("foreign", seen, `key ${key}: ${list.length} effect(s) on a key no producer published`);
  }

  // Rejections: every hostile record rejected for its reason; nothing else rejected.
  const byPosition = new Map<string, LedgerOutcome>();
  const byPk = new Map<string, LedgerOutcome>();
  for (const row of input.ledger) {
    byPk.set(row.pk, row);
    if (row.shardId && row.sequenceNumber) byPosition.set(`${row.shardId}:${row.sequenceNumber}`, row);
  }
  const explained = new Set<string>();
  let hostileRejectedAsExpected = 0;
  let hostileMismatches = 0;
  for (const h of input.hostile) {
    const atPosition = byPosition.get(`${h.shardId}:${h.sequenceNumber}`);
    // A second copy of a rejected verified message is a duplicate: its one item sits at the first copy's place.
    const row = atPosition ?? (h.messageKey ? byPk.get(h.messageKey) : undefined);
    if (row?.status === "rejected" && row.reason === h.expect) {
      hostileRejectedAsExpected++;
      explained.add(row.pk);
    } else {
      hostileMismatches++;
      note(
        "hostile",
        seen,
        `hostile ${h.kind} at ${h.shardId}:${h.sequenceNumber}: expected rejected/${h.expect}, found ${row ? `${row.status}/${row.reason ?? "-"}` : "no ledger item"}`,
      );
    }
  }
  // A put whose answer was lost is put again (at least once, as any producer): a second copy of a record rejected
  // before its identity was trusted has its own item at its own place, with the same bytes and reason.
  const hostileByHash = new Map(input.hostile.map((h) => [h.sha256, h]));
  const isCopy = (row: LedgerOutcome) => {
    const h = row.rawSha256 === undefined ? undefined : hostileByHash.get(row.rawSha256);
    return h !== undefined && row.status === "rejected" && row.reason === h.expect;
  };
  const rejected: Record<string, number> = {};
  let unexpectedRejections = 0;
  let leftPending = 0;
  let doneMarkers = 0;
  for (const row of input.ledger) {
    if (row.status === "rejected" || row.status === "replayed") {
      if (row.status === "rejected") rejected[row.reason ?? "?"] = (rejected[row.reason ?? "?"] ?? 0) + 1;
      if (!explained.has(row.pk) && !isCopy(row)) {
        unexpectedRejections++;
        note(
          "rejection",
          seen,
          `ledger ${row.pk}: ${row.status}/${row.reason ?? "-"} matches no hostile record`,
        );
      }
    } else if (row.status === "done") {
      if (row.iss !== undefined && input.producerIssuers.includes(row.iss)) doneMarkers++;
      else {
        foreignEffects++;
        note("foreign", seen, `ledger ${row.pk}: done, but no producer of the workload signed it`);
      }
    } else {
      leftPending++;
      note("pending", seen, `ledger ${row.pk}: still ${row.status}${row.reason ? ` (${row.reason})` : ""}`);
    }
  }
  if (doneMarkers !== published)
    mismatches.push(`${doneMarkers} done markers in the ledger for ${published} published messages`);
  for (const [kind, n] of seen) if (n > SAMPLES) mismatches.push(`… and ${n - SAMPLES} more ${kind}`);

  const ok =
    applied === published &&
    duplicateEffects === 0 &&
    orderViolations === 0 &&
    unaccounted === 0 &&
    foreignEffects === 0 &&
    hostileMismatches === 0 &&
    unexpectedRejections === 0 &&
    leftPending === 0 &&
    doneMarkers === published;
  return {
    ok,
    published,
    applied,
    duplicateEffects,
    orderViolations,
    unaccounted,
    foreignEffects,
    rejected,
    hostileRejectedAsExpected,
    hostileMismatches,
    unexpectedRejections,
    leftPending,
    doneMarkers,
    mismatches,
  };
}

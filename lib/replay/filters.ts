import type { ReplayCandidate, ReplayFilters } from "./types.js";

/**
 * The `type` claim of a token, read WITHOUT verifying it: only to choose what to replay (--type). Nothing
 * is trusted from it; the pipeline verifies every record it is given.
 */
export function unverifiedType(base64: string): string | undefined {
  const text = Buffer.from(base64, "base64").toString("latin1");
  const first = text.indexOf(".");
  const second = first < 0 ? -1 : text.indexOf(".", first + 1);
  if (second < 0) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(text.slice(first + 1, second), "base64url").toString("utf8")) as {
      type?: unknown;
    };
    return typeof claims?.type === "string" ? claims.type : undefined;
  } catch {
    return undefined;
  }
}

/** The message types a candidate stands for: the one its source recorded, else those its records claim. */
export function candidateTypes(candidate: ReplayCandidate): string[] {
  if (candidate.type) return [candidate.type];
  return [
    ...new Set(
      candidate.records.map((r) => unverifiedType(r.data)).filter((t): t is string => t !== undefined),
    ),
  ];
}

/**
 * Whether a candidate is in scope. The time window applies to when the failure was captured (a candidate
 * whose source does not say passes: its source already applied the window). Type and reason filters select
 * whole candidates, never single records of an on-failure range: replaying part of a range would break the
 * order of its partition keys and could not acknowledge the range.
 */
export function matchesFilters(candidate: ReplayCandidate, filters: ReplayFilters): boolean {
  const at = candidate.failedAt;
  if (at && filters.since && Date.parse(at) < Date.parse(filters.since)) return false;
  if (at && filters.until && Date.parse(at) >= Date.parse(filters.until)) return false;
  if (filters.types && filters.types.length > 0) {
    const types = candidateTypes(candidate);
    if (!types.some((t) => filters.types!.includes(t))) return false;
  }
  if (filters.reasons && filters.reasons.length > 0) {
    if (!candidate.reason || !filters.reasons.includes(candidate.reason)) return false;
  }
  return true;
}

import type { CancellationReason } from "@aws-sdk/client-dynamodb";
import type { CommitUnit } from "./commit-unit.js";

/** Which unit (and which of its writes) an item of a transaction belongs to. */
export type ItemRole =
  { unit: CommitUnit; role: "ledger" } | { unit: CommitUnit; role: "effect"; effectIndex: number };

/** What a cancelled transaction means for one unit in it. */
export type UnitVerdict =
  /** Its marker exists: the message was applied (or refused) before. */
  | { kind: "duplicate" }
  /** Another delivery holds a claim on it: try again later. */
  | { kind: "claimHeld" }
  /** Effect conditions failed: drop the `skip` ones, or reject the message if any is `reject`. */
  | { kind: "effectConditions"; skip: number[]; reject: number[] }
  /** Throttled or conflicting with a concurrent writer: transient. */
  | { kind: "retry"; code: string }
  /** DynamoDB refuses these writes as such: retrying will not help. */
  | { kind: "invalid"; message: string }
  /** Cancelled only because of another unit: retry as is. */
  | { kind: "innocent" };

const TRANSIENT_CODES = new Set([
  "TransactionConflict",
  "ThrottlingError",
  "ProvisionedThroughputExceeded",
  "RequestLimitExceeded",
]);

/**
 * Reads TransactionCanceledException.CancellationReasons (one per item, in request order) and tells apart,
 * per unit: a duplicate (condition failed on its marker), a conflict (condition failed on an effect: the
 * processor decided what that means), throttling/transaction conflicts (transient), and innocent bystanders
 * whose writes were fine and must simply be retried.
 */
export function classifyCancellation(
  roles: ItemRole[],
  reasons: CancellationReason[],
): Map<CommitUnit, UnitVerdict> {
  const verdicts = new Map<CommitUnit, UnitVerdict>();
  const rank = (v: UnitVerdict): number =>
    ["innocent", "retry", "effectConditions", "invalid", "claimHeld", "duplicate"].indexOf(v.kind);
  const raise = (unit: CommitUnit, v: UnitVerdict) => {
    const current = verdicts.get(unit);
    if (current?.kind === "effectConditions" && v.kind === "effectConditions") {
      current.skip.push(...v.skip);
      current.reject.push(...v.reject);
      return;
    }
    if (!current || rank(v) > rank(current)) verdicts.set(unit, v);
  };
  roles.forEach((role, i) => {
    const reason = reasons[i];
    const code = reason?.Code ?? "None";
    if (!verdicts.has(role.unit)) verdicts.set(role.unit, { kind: "innocent" });
    if (code === "None") return;
    if (code === "ConditionalCheckFailed") {
      if (role.role === "ledger") {
        const status = reason?.Item?.status?.S;
        raise(role.unit, status === "in_progress" ? { kind: "claimHeld" } : { kind: "duplicate" });
      } else {
        const condition = role.unit.effects[role.effectIndex]?.condition;
        raise(
          role.unit,
          condition?.onFailed === "skip"
            ? { kind: "effectConditions", skip: [role.effectIndex], reject: [] }
            : { kind: "effectConditions", skip: [], reject: [role.effectIndex] },
        );
      }
      return;
    }
    if (TRANSIENT_CODES.has(code)) return raise(role.unit, { kind: "retry", code });
    if (code === "ValidationError" || code === "ItemCollectionSizeLimitExceeded") {
      return raise(role.unit, { kind: "invalid", message: reason?.Message ?? code });
    }
    raise(role.unit, { kind: "retry", code });
  });
  return verdicts;
}

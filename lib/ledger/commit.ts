import {
  type DynamoDBClient,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import type { Notifier } from "../effects/processor.js";
import { mapWithConcurrency } from "../util/concurrency.js";
import { toAttributeMap } from "./attribute-values.js";
import type { UnitVerdict } from "./cancellation.js";
import { claimMessage } from "./claim.js";
import { planTransaction } from "./coalesce.js";
import { type CommitUnit, unitBytes } from "./commit-unit.js";
import { NOT_FINISHED_CONDITION } from "./ledger-items.js";
import { minimalLedgerWrite } from "./ledger-writes.js";
import { classifyDynamoDbError, isItemProblem } from "../aws/dynamodb-errors.js";
import { type Chunk, chunkItemCount, packChunks, selectWave } from "./pack.js";
import { effectTransactItem, updateExpression } from "./transact-items.js";

export interface CommitTarget {
  client: DynamoDBClient;
  ledgerTable: string;
  projectionsTable: string;
}

export interface CommitOptions {
  /** Items per TransactWriteItems call (DynamoDB allows 100). */
  maxItemsPerTransaction: number;
  /** Transactions in flight at once. */
  concurrency: number;
  /** Tries per unit for throttling / transaction conflicts before it is reported failed. */
  maxAttempts: number;
  /** Lease of a claim before a side effect outside DynamoDB. */
  leaseMs: number;
  ttlSeconds: number;
  /** Identifies this invocation as the holder of claims. */
  owner: string;
  notifier?: Notifier;
  now: () => number;
  /** When true, no further wave is started; what is left is reported unfinished. */
  outOfTime?: () => boolean;
  /** A fresh deadline for each DynamoDB call (its abortSignal). */
  callSignal?: () => AbortSignal;
  /** True once the invocation's deadline has passed: an aborted call then means `deadline`, not `abandoned`. */
  deadlineReached?: () => boolean;
  /** Transactions one unit may take part in within this commit, whatever their outcome (default 10). */
  maxTransactionsPerUnit?: number;
  sleep?: (ms: number) => Promise<void>;
  onTransaction?: (event: {
    items: number;
    units: number;
    ms: number;
    outcome: "committed" | "cancelled" | "error";
  }) => void;
}

export type UnitResult =
  /** Committed; `rejected` when a processor's effect condition turned it into a recorded rejection. */
  | { status: "committed"; skippedEffects: number; rejected?: string }
  | { status: "duplicate" }
  | { status: "failed"; code: string; message: string; cause?: unknown }
  /**
   * DynamoDB refused even the minimal item of this record (a refusal caused by the record itself): it is
   * acknowledged without a ledger item, and only its log line tells of it.
   */
  | { status: "unrecorded"; message: string }
  /**
   * Not attempted (or rolled back): `blocked` when an earlier unit of its order key failed, `deadline` when the
   * invocation ran out of time, `abandoned` when DynamoDB could not be reached.
   */
  | { status: "unfinished"; cause: UnfinishedCause };

export type UnfinishedCause = "blocked" | "deadline" | "abandoned";

const OUT_OF_TIME = Symbol("out of time");

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Commits units (each: one ledger write + its effects, all or nothing) in waves of concurrent transactions.
 * Per order key: strictly in order, stopping at the first failure. A cancelled transaction is read item by
 * item: duplicates are dropped, effect conflicts handled as the processor declared, innocent units retried
 * in the next wave. A failure to reach DynamoDB at all abandons the rest (reported unfinished).
 */
export async function commitUnits(
  units: CommitUnit[],
  target: CommitTarget,
  options: CommitOptions,
): Promise<Map<CommitUnit, UnitResult>> {
  const results = new Map<CommitUnit, UnitResult>();
  const queues = new Map<string, CommitUnit[]>();
  for (const unit of units) {
    const q = queues.get(unit.orderKey);
    if (q) q.push(unit);
    else queues.set(unit.orderKey, [unit]);
  }
  const sleep = options.sleep ?? defaultSleep;
  const block = (orderKey: string, rest: CommitUnit[]) => {
    for (const u of rest) results.set(u, { status: "unfinished", cause: "blocked" });
    for (const u of queues.get(orderKey) ?? []) results.set(u, { status: "unfinished", cause: "blocked" });
    queues.delete(orderKey);
  };
  let abandoned: unknown;

  while (queues.size > 0 && abandoned === undefined) {
    if (options.outOfTime?.()) {
      abandoned = OUT_OF_TIME;
      break;
    }
    const chunks = selectWave(queues, options.maxItemsPerTransaction);
    for (const chunk of chunks) queues.get(chunk.orderKey)?.splice(0, chunk.units.length);

    await mapWithConcurrency(chunks, options.concurrency, (chunk) =>
      prepareChunk(chunk, target, options, results, block),
    );
    const live = chunks.filter((c) => c.units.length > 0);
    const transactions = packChunks(live, options.maxItemsPerTransaction);
    const outcomes = await mapWithConcurrency(transactions, options.concurrency, (t) =>
      runTransaction(t, target, options),
    );

    const requeue = new Map<string, CommitUnit[]>();
    let backoff = 0;
    transactions.forEach((transaction, i) => {
      const outcome = outcomes[i]!;
      for (const chunk of transaction) {
        if (outcome.kind === "committed") {
          for (const u of chunk.units) {
            results.set(u, {
              status: "committed",
              skippedEffects: u.state.skippedEffects,
              ...(u.state.rejectedDetail ? { rejected: u.state.rejectedDetail } : {}),
            });
          }
          continue;
        }
        if (outcome.kind === "error") {
          abandoned = outcome.error;
          for (const u of chunk.units)
            results.set(
              u,
              options.deadlineReached?.()
                ? { status: "unfinished", cause: "deadline" }
                : {
                    status: "failed",
                    code: "ledger_unavailable",
                    message: errorMessage(outcome.error),
                    cause: outcome.error,
                  },
            );
          continue;
        }
        const verdicts: Map<CommitUnit, UnitVerdict> =
          outcome.kind === "cancelled"
            ? outcome.verdicts
            : outcome.kind === "throttled"
              ? new Map(chunk.units.map((u) => [u, { kind: "retry", code: outcome.code }] as const))
              : // The request as a whole was refused: isolate its units so the offending one shows itself.
                new Map(
                  chunk.units.map(
                    (u) =>
                      [
                        u,
                        transaction.length === 1 && chunk.units.length === 1
                          ? { kind: "invalid", message: outcome.message }
                          : { kind: "innocent" },
                      ] as const,
                  ),
                );
        if (outcome.kind === "invalid") for (const u of chunk.units) u.state.isolate = true;
        const again: CommitUnit[] = [];
        for (let j = 0; j < chunk.units.length; j++) {
          const unit = chunk.units[j]!;
          const verdict = verdicts.get(unit) ?? { kind: "innocent" };
          let settled = applyVerdict(unit, verdict, options, results);
          if (
            (settled === "again" || settled === "retry") &&
            unit.state.tries >= (options.maxTransactionsPerUnit ?? 10)
          ) {
            results.set(unit, {
              status: "failed",
              code: "ledger_attempts_exhausted",
              message: `tried in ${unit.state.tries} transactions in this invocation (last: ${verdict.kind})`,
            });
            settled = "blocked";
          }
          if (settled === "again") again.push(unit);
          if (settled === "retry") {
            again.push(unit);
            backoff = Math.max(backoff, 20 * 2 ** unit.state.attempts);
          }
          if (settled === "blocked") {
            block(chunk.orderKey, chunk.units.slice(j + 1));
            again.length = 0;
            break;
          }
        }
        if (again.length && queues.has(chunk.orderKey)) requeue.set(chunk.orderKey, again);
      }
    });
    for (const [key, again] of requeue) queues.get(key)?.unshift(...again);
    for (const [key, q] of [...queues]) if (q.length === 0) queues.delete(key);
    if (backoff > 0 && queues.size > 0 && abandoned === undefined)
      await sleep(backoff * (0.5 + Math.random() / 2));
  }
  if (abandoned !== undefined) {
    const cause = abandoned === OUT_OF_TIME || options.deadlineReached?.() ? "deadline" : "abandoned";
    for (const q of queues.values()) for (const u of q) results.set(u, { status: "unfinished", cause });
    queues.clear();
  }
  return results;
}

/** What a verdict does to a unit: settled (result set), again (retry as is or changed), retry (counted), blocked. */
function applyVerdict(
  unit: CommitUnit,
  verdict: UnitVerdict,
  options: CommitOptions,
  results: Map<CommitUnit, UnitResult>,
): "settled" | "again" | "retry" | "blocked" {
  switch (verdict.kind) {
    case "duplicate":
      results.set(unit, { status: "duplicate" });
      return "settled";
    case "claimHeld":
      results.set(unit, {
        status: "failed",
        code: "claim_held",
        message: "another delivery holds a claim on this message",
      });
      return "blocked";
    case "effectConditions":
      if (verdict.reject.length > 0) {
        rejectUnit(
          unit,
          `effect condition failed on ${verdict.reject.map((i) => describeEffect(unit, i)).join(", ")}`,
        );
      } else {
        const drop = new Set(verdict.skip);
        unit.effects = unit.effects.filter((_, i) => !drop.has(i));
        unit.state.skippedEffects += drop.size;
      }
      return "again";
    case "invalid":
      return stepDown(unit, verdict.message, options, results);
    case "retry":
      unit.state.attempts++;
      if (unit.state.attempts >= options.maxAttempts) {
        results.set(unit, {
          status: "failed",
          code: "ledger_contention",
          message: `transaction cancelled ${unit.state.attempts} times (${verdict.code})`,
        });
        return "blocked";
      }
      return "retry";
    case "innocent":
      return "again";
  }
}

function describeEffect(unit: CommitUnit, index: number): string {
  const e = unit.effects[index];
  return e ? `${e.op} ${e.key.pk}/${e.key.sk}` : `effect ${index}`;
}

/**
 * DynamoDB refused a unit's writes as such (validation, item size): a problem of this record alone, so it is
 * never retried as it is. It steps down, alone in its next transaction, one rung per refusal: a message with
 * effects becomes a processor rejection (its full item, without effects); a rejection becomes its minimal
 * item (ledger-writes.ts, minimalLedgerWrite); if even that is refused, the record is acknowledged unrecorded.
 */
function stepDown(
  unit: CommitUnit,
  message: string,
  options: CommitOptions,
  results: Map<CommitUnit, UnitResult>,
): "settled" | "again" {
  unit.state.refusals++;
  unit.state.isolate = true;
  const detail = `DynamoDB refused the message's writes: ${message.slice(0, 500)}`;
  const ledger = unit.ledger;
  const applying = ledger.kind === "marker" && ledger.item.status?.S === "done";
  if (applying && unit.state.refusals === 1) {
    rejectUnit(unit, detail);
    return "again";
  }
  if (unit.state.refusals <= 2 && !unit.state.fallback) {
    unit.ledger = minimalLedgerWrite(unit.ledger, message, options.now());
    unit.effects = [];
    unit.notification = undefined;
    unit.state.fallback = true;
    unit.state.rejectedDetail ??= detail;
    return "again";
  }
  results.set(unit, { status: "unrecorded", message: detail });
  return "settled";
}

function rejectUnit(unit: CommitUnit, detail: string): void {
  unit.ledger = unit.rejectWith(detail);
  unit.effects = [];
  unit.notification = undefined;
  unit.state.rejectedDetail = detail;
}

/** Claims (and notifies for) units with a side effect, in order per key; drops duplicates, blocks on failure. */
async function prepareChunk(
  chunk: Chunk,
  target: CommitTarget,
  options: CommitOptions,
  results: Map<CommitUnit, UnitResult>,
  block: (orderKey: string, rest: CommitUnit[]) => void,
): Promise<void> {
  const kept: CommitUnit[] = [];
  for (let i = 0; i < chunk.units.length; i++) {
    const unit = chunk.units[i]!;
    try {
      unit.effects.forEach((e) => effectTransactItem(e, target.projectionsTable));
    } catch (error) {
      rejectUnit(unit, `the processor produced an invalid effect: ${errorMessage(error)}`);
    }
    if (unit.notification && options.notifier && unit.ledger.kind === "marker" && !unit.state.notified) {
      try {
        if (!unit.state.claimOwner) {
          const claim = await claimMessage(target.client, {
            tableName: target.ledgerTable,
            pk: unit.ledger.pk,
            owner: options.owner,
            now: options.now(),
            leaseMs: options.leaseMs,
            ttlSeconds: options.ttlSeconds,
            ...(options.callSignal ? { abortSignal: options.callSignal() } : {}),
          });
          if (claim.kind === "duplicate") {
            results.set(unit, { status: "duplicate" });
            continue;
          }
          if (claim.kind === "held") {
            results.set(unit, {
              status: "failed",
              code: "claim_held",
              message: "another delivery holds a claim on this message",
            });
            block(chunk.orderKey, chunk.units.slice(i + 1));
            break;
          }
          unit.state.claimOwner = options.owner;
          unit.state.notified = claim.notified;
        }
        if (!unit.state.notified) {
          await options.notifier.notify(unit.notification);
          unit.state.notified = true;
        }
      } catch (error) {
        results.set(unit, {
          status: "failed",
          code: unit.state.claimOwner ? "notifier_failed" : "ledger_unavailable",
          message: errorMessage(error),
          cause: error,
        });
        block(chunk.orderKey, chunk.units.slice(i + 1));
        break;
      }
    }
    kept.push(unit);
  }
  chunk.units = kept;
  chunk.items = chunkItemCount(kept);
  chunk.bytes = kept.reduce((n, u) => n + unitBytes(u), 0);
}

type TransactionOutcome =
  | { kind: "committed" }
  | { kind: "cancelled"; verdicts: Map<CommitUnit, UnitVerdict> }
  | { kind: "invalid"; message: string }
  | { kind: "throttled"; code: string }
  | { kind: "error"; error: unknown };

async function runTransaction(
  chunks: Chunk[],
  target: CommitTarget,
  options: CommitOptions,
): Promise<TransactionOutcome> {
  // Effects of one key on one item are coalesced into one write (lib/ledger/coalesce.ts).
  const units = chunks.flatMap((c) => c.units);
  for (const unit of units) unit.state.tries++;
  const plan = planTransaction(
    units,
    (unit) => ledgerTransactItem(unit, target.ledgerTable),
    target.projectionsTable,
  );
  const { items, roles } = plan;
  const started = performance.now();
  const report = (outcome: "committed" | "cancelled" | "error") =>
    options.onTransaction?.({
      items: items.length,
      units: roles.filter((r) => r.role === "ledger").length,
      ms: performance.now() - started,
      outcome,
    });
  try {
    await target.client.send(
      new TransactWriteItemsCommand({ TransactItems: items }),
      options.callSignal ? { abortSignal: options.callSignal() } : {},
    );
    plan.settle();
    report("committed");
    return { kind: "committed" };
  } catch (error) {
    if (
      error instanceof TransactionCanceledException ||
      (error as Error).name === "TransactionCanceledException"
    ) {
      report("cancelled");
      const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
      return { kind: "cancelled", verdicts: plan.classify(reasons) };
    }
    const kind = classifyDynamoDbError(error);
    if (isItemProblem(kind)) {
      report("cancelled");
      return { kind: "invalid", message: errorMessage(error) };
    }
    if (kind === "throttling") {
      report("cancelled");
      return { kind: "throttled", code: (error as Error).name };
    }
    report("error");
    return { kind: "error", error };
  }
}

/** The ledger item of a unit: a marker conditional on the message not being finished (or on our claim), or a rejection update. */
export function ledgerTransactItem(unit: CommitUnit, tableName: string): TransactWriteItem {
  const ledger = unit.ledger;
  if (ledger.kind === "rejection") {
    const u = updateExpression({ set: ledger.attributes, add: { attempts: 1 } });
    return {
      Update: {
        TableName: tableName,
        Key: { pk: { S: ledger.pk } },
        UpdateExpression: u.expression,
        ExpressionAttributeNames: u.names,
        ExpressionAttributeValues: u.values,
      },
    };
  }
  const claimed = unit.state.claimOwner !== undefined;
  return {
    Put: {
      TableName: tableName,
      Item: claimed ? { ...ledger.item, notified: { BOOL: unit.state.notified } } : ledger.item,
      ConditionExpression: claimed ? "#_status = :_inprog AND #_owner = :_owner" : NOT_FINISHED_CONDITION,
      ExpressionAttributeNames: claimed
        ? { "#_status": "status", "#_owner": "owner" }
        : { "#_status": "status" },
      ExpressionAttributeValues: toAttributeMap(
        claimed ? { ":_inprog": "in_progress", ":_owner": unit.state.claimOwner! } : { ":_failed": "failed" },
      ),
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    },
  };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

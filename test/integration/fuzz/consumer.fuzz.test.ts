/**
 * The fuzz share through the real consumer: the Lambda handler built as handlers/consumer.ts builds it
 * (createConsumerHandler over consumerDepsFromEnv: middy, Powertools, the pipeline, the real processors), with
 * one difference, a logger whose warn/error lines the test reads, on the suite's DynamoDB; so the write path is
 * fuzzed too, not only verify (test/fuzz/envelope.fuzz.test.ts fuzzes verify alone).
 *
 * Each case is one Kinesis batch of random size over a few partition keys (records.ts): garbage, damaged
 * tokens, header variants, claims DynamoDB cannot store (empty strings, lone surrogates, 400 KB values, deep
 * nesting, thousands of attributes, numbers beyond a double), tokens of untrusted or crossed keys, KPL
 * aggregates whole and corrupt, mixed with valid signed messages and re-sends of earlier ones. After each batch
 * the test reads the ledger and the projections back from DynamoDB and holds the consumer to:
 * - it never throws, and reports no record as transient (batchItemFailures empty: DynamoDB is healthy, so
 *   nothing in a batch, hostile or not, is a reason to retry);
 * - every record is accounted for, once: processed, rejected (with a ledger item carrying a reason from the
 *   contract's table, also named in the handler's log line), or a duplicate of a message the ledger holds;
 * - nothing is accepted that an independent reading of the contract (contract-oracle.ts) refuses;
 * - every valid message is applied exactly once (its marker, and its effect: deal totals add up exactly, the
 *   note or contact item names it), and its re-sends are duplicates;
 * - the handler's metrics count the same processed, duplicate and rejected records.
 * Every rejection's reason is checked against REJECTION_REASONS, the code's list; lib/envelope/contract-doc.test.ts
 * checks that docs/contract.md's table lists exactly those.
 * KJP_FUZZ_DDB_BATCHES batches (default 300, about 2,500 records); `npm run fuzz:long` runs 3,000.
 */
import { jest } from "@jest/globals";
import { Logger } from "@aws-lambda-powertools/logger";
import { BatchGetItemCommand, QueryCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import type { KinesisStreamBatchResponse, KinesisStreamRecord } from "aws-lambda";
import fc from "fast-check";
import type { JWK } from "jose";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { localContext } from "../../../cli/commands/invoke.js";
import { consumerDepsFromEnv } from "../../../handlers/wiring/consumer.js";
import { REJECTION_REASONS } from "../../../lib/envelope/reasons.js";
import { generateSigningKey } from "../../../lib/envelope/signing-keys.js";
import { ecdsaTwin } from "../../../lib/envelope/testing/forge.js";
import { fromAttributeMap } from "../../../lib/ledger/attribute-values.js";
import { messageLedgerKey, recordLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import { createConsumerHandler, type ConsumerHandler } from "../../../lib/pipeline/consumer-handler.js";
import { projectRoot } from "../../../lib/util/project-root.js";
import { VECTOR_SETTINGS } from "../../attacks/corpus-verifier.js";
import { event, FakeShard, setUpEnv, type TestEnv } from "../consumer/support.js";
import { consumerEnvFor, vectorTrust } from "../setup/consumer-env.js";
import { contractViolation, namedIdentity, type OracleSettings } from "./contract-oracle.js";
import {
  batch,
  encodeSpecAggregate,
  type FuzzSettings,
  type RecordSpec,
  type ValidMessage,
} from "./records.js";

const RUNS = Number(process.env.KJP_FUZZ_RUNS ?? 2500);
/**
 * Batches through DynamoDB: 300 in CI (about 2,500 records; 100 on LocalStack); with KJP_FUZZ_RUNS it scales,
 * 3,000 in the long profile (KJP_FUZZ_RUNS=250000). KJP_FUZZ_DDB_BATCHES sets it directly.
 */
const BATCHES = Number(
  process.env.KJP_FUZZ_DDB_BATCHES ??
    // The LocalStack suite (KJP_LOCALSTACK=1) runs a third: its DynamoDB is the same engine behind another API
    // layer, three to four times slower per batch here, and that suite should not outlast the embedded one.
    (process.env.KJP_LOCALSTACK === "1" ? 100 : Math.max(300, Math.round(RUNS * 0.012))),
);
const MAX_RECORDS = 12;
const VERIFIED_REASONS = new Set(["claims", "expired", "unknown_type", "invalid_payload", "processor"]);

const vectors = join(projectRoot(), "test/vectors");
const saved = { ...process.env };
let env: TestEnv;
let handler: ConsumerHandler;
let settings: FuzzSettings;
let oracleIssuers: OracleSettings["issuers"];
const shard = new FakeShard();
const lines: { level: "warn" | "error"; message: string; fields: Record<string, unknown> }[] = [];
const metrics = new Map<string, number>();

beforeAll(async () => {
  env = await setUpEnv();
  Object.assign(
    process.env,
    consumerEnvFor(env, vectorTrust(), {
      POWERTOOLS_METRICS_NAMESPACE: "kjp-fuzz",
      // The metrics are read from addMetric below; their EMF lines would only fill the test output.
      POWERTOOLS_METRICS_DISABLED: "true",
    }),
  );
  const logger = new Logger({ serviceName: "kjp-fuzz", logLevel: "ERROR" });
  const capture = (level: "warn" | "error") =>
    jest.spyOn(logger, level).mockImplementation(((message: unknown, fields: unknown) => {
      lines.push({ level, message: String(message), fields: (fields ?? {}) as Record<string, unknown> });
    }) as never);
  capture("warn");
  capture("error");
  const deps = consumerDepsFromEnv(process.env, env.client, { logger });
  const addMetric = deps.metrics.addMetric.bind(deps.metrics);
  jest.spyOn(deps.metrics, "addMetric").mockImplementation((name, unit, value) => {
    metrics.set(name, (metrics.get(name) ?? 0) + value);
    return addMetric(name, unit, value);
  });
  handler = createConsumerHandler(deps);

  const keys = JSON.parse(readFileSync(join(vectors, "private-keys.TEST-ONLY.json"), "utf8")) as {
    keys: Record<"es256" | "eddsa" | "other", JWK>;
  };
  const untrusted = (await generateSigningKey("ES256", "mallory-1")).privateJwk;
  settings = {
    keys: { ...keys.keys, untrusted },
    issuer: VECTOR_SETTINGS.issuer,
    otherIssuer: VECTOR_SETTINGS.otherIssuer,
    audience: VECTOR_SETTINGS.audience,
    runId: `fz${Date.now().toString(36)}`,
    now: () => Math.floor(Date.now() / 1000),
  };
  const publicKeys = (file: string) =>
    (JSON.parse(readFileSync(join(vectors, file), "utf8")) as { keys: JWK[] }).keys;
  oracleIssuers = {
    [VECTOR_SETTINGS.issuer]: publicKeys("jwks.json"),
    [VECTOR_SETTINGS.otherIssuer]: publicKeys("jwks.billing-rails.json"),
  };
}, 60_000);

afterAll(() => {
  process.env = saved;
  env?.client.destroy();
});

/** One message-bearing unit of a batch: a plain record, or one user record of an aggregate. */
interface Unit {
  record: KinesisStreamRecord;
  subSequenceNumber?: number;
  /** Candidate sub-sequence numbers when the test cannot know whether the record unpacks (hostile aggregate bytes). */
  alsoAsUser?: boolean;
  data: Buffer;
  spec: RecordSpec;
  /** The valid message this unit carries, first sent here or re-sent. */
  message?: ValidMessage;
  resend?: boolean;
  /** What the first copy of these bytes became, for a hostile record sent again. */
  firstOutcome?: Outcome;
  trustedSignature: boolean;
}

type Outcome =
  | { status: "processed" }
  | { status: "rejected"; reason: string; byIdentity: boolean }
  | { status: "duplicate" };

/** Every valid message sent so far in this run, and the account whose deal totals each processed deal moved. */
const sentMessages: ValidMessage[] = [];
/** Plain hostile records of earlier batches and what became of them. */
const sentHostile: { data: Buffer; trustedSignature: boolean; outcome: Outcome }[] = [];
const dealTotals = new Map<string, Map<string, number>>();
const figures = { batches: 0, records: 0, units: 0, processed: 0, duplicate: 0, rejected: 0, onlyHostile: 0 };
const reasons = new Map<string, number>();
let accountCounter = 0;

test(
  `${BATCHES} random batches through the wired consumer on DynamoDB: acknowledged, accounted for, valid ones applied once`,
  async () => {
    const batches = fc.constant(null).chain(() => {
      const account = `acc_${settings.runId}x${(accountCounter++).toString(36)}`.padEnd(12, "0");
      return batch(settings, account, MAX_RECORDS).map((b) => ({
        ...b,
        account,
        // A counterexample is shown by what each record is, not by its (up to 1 MB of) bytes.
        [fc.toStringMethod]: () =>
          `${account}: ${b.records.map((r) => `[${r.spec.label} @ ${JSON.stringify(r.partitionKey.slice(0, 20))}]`).join(" ")}`,
      }));
    });
    await fc.assert(
      fc.asyncProperty(batches, async (b) => {
        await runBatch(b.account, b.records);
      }),
      { numRuns: BATCHES, endOnFailure: true },
    );
    // The totals of every account again, now that later batches re-sent its deals: still applied once.
    for (const account of dealTotals.keys()) await expectDealTotals(account);
    process.stdout.write(
      `consumer fuzz: ${JSON.stringify({ ...figures, reasons: Object.fromEntries([...reasons].sort()) })}\n`,
    );
    expect(figures.records).toBeGreaterThanOrEqual(BATCHES * 3);
    // The properties mean something only if every outcome occurs, hostile-only batches included.
    expect(figures.processed).toBeGreaterThan(BATCHES / 2);
    expect(figures.duplicate).toBeGreaterThan(BATCHES / 10);
    expect(figures.onlyHostile).toBeGreaterThan(0);
    // Every reason the generators aim at occurs (a few per 100 batches for the rarest; shorter runs skip this).
    if (BATCHES < 300) return;
    for (const reason of [
      "malformed",
      "header",
      "unknown_key",
      "bad_signature",
      "claims",
      "invalid_payload",
      "expired",
      "unknown_type",
      "processor",
      "aggregate",
    ])
      expect(reasons.get(reason) ?? 0).toBeGreaterThan(0);
  },
  Math.max(10 * 60_000, BATCHES * 2_000),
);

async function runBatch(account: string, entries: { spec: RecordSpec; partitionKey: string }[]) {
  const units: Unit[] = [];
  const records: KinesisStreamRecord[] = [];
  const freshThisBatch: ValidMessage[] = [];
  const sendValid = (spec: RecordSpec, message: ValidMessage, partitionKey: string) => {
    const record = shard.record(partitionKey, message.token);
    records.push(record);
    units.push({ record, data: Buffer.from(message.token), spec, message, trustedSignature: true });
    sentMessages.push(message);
    freshThisBatch.push(message);
  };
  for (const { spec, partitionKey } of entries) {
    switch (spec.kind) {
      case "siblings":
        for (const message of spec.messages) sendValid(spec, message, partitionKey);
        break;
      case "valid":
        sendValid(spec, spec.message, partitionKey);
        break;
      case "resend": {
        if (sentMessages.length === 0) break;
        const message = sentMessages[spec.pick % sentMessages.length]!;
        const es256 =
          JSON.parse(Buffer.from(message.token.split(".")[0]!, "base64url").toString()).alg === "ES256";
        const token = spec.twin && es256 ? ecdsaTwin(message.token) : message.token;
        const record = shard.record(partitionKey, token);
        records.push(record);
        units.push({
          record,
          data: Buffer.from(token),
          spec,
          message,
          resend: !freshThisBatch.includes(message),
          trustedSignature: true,
        });
        break;
      }
      case "resend-hostile": {
        if (sentHostile.length === 0) break;
        const first = sentHostile[spec.pick % sentHostile.length]!;
        const record = shard.record(partitionKey, first.data);
        records.push(record);
        units.push({
          record,
          data: first.data,
          spec,
          trustedSignature: first.trustedSignature,
          firstOutcome: first.outcome,
        });
        break;
      }
      case "hostile": {
        const record = shard.record(partitionKey, spec.data);
        records.push(record);
        units.push({
          record,
          data: spec.data,
          spec,
          trustedSignature: spec.trustedSignature,
          alsoAsUser: spec.data.subarray(0, 4).equals(Buffer.from([0xf3, 0x89, 0x9a, 0xc2])),
        });
        break;
      }
      case "corrupt-aggregate": {
        const record = shard.record(partitionKey, spec.data);
        records.push(record);
        units.push({ record, data: spec.data, spec, trustedSignature: false });
        break;
      }
      case "aggregate": {
        const record = shard.record(partitionKey, encodeSpecAggregate(spec));
        records.push(record);
        spec.users.forEach((u, i) => {
          if (u.kind === "valid") {
            sentMessages.push(u.message);
            freshThisBatch.push(u.message);
          }
          units.push({
            record,
            subSequenceNumber: i,
            data: u.kind === "valid" ? Buffer.from(u.message.token) : u.data,
            spec,
            ...(u.kind === "valid" ? { message: u.message } : {}),
            trustedSignature: u.kind === "valid" || u.trustedSignature,
          });
        });
        break;
      }
    }
  }
  if (records.length === 0) return;

  lines.length = 0;
  metrics.clear();
  let response: KinesisStreamBatchResponse | undefined;
  let thrown: unknown;
  try {
    response = await handler(event(records), localContext());
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeUndefined();
  // No record is transient against a healthy DynamoDB: hostile ones least of all.
  expect(response).toEqual({ batchItemFailures: [] });
  const notFinished = lines.filter((l) => l.fields.outcome !== "rejected");
  expect(notFinished.map((l) => `${l.level}: ${l.message} ${String(l.fields.reason ?? "")}`)).toEqual([]);

  // The handler's log lines: which record was rejected, with which reason.
  const logged = new Map<string, string>();
  for (const line of lines) {
    expect(REJECTION_REASONS).toContain(line.fields.reason);
    for (const r of line.fields.records as { sequenceNumber: string; subSequenceNumber?: number }[])
      logged.set(`${r.sequenceNumber}/${r.subSequenceNumber ?? ""}`, String(line.fields.reason));
  }

  const outcomes = await readOutcomes(units);
  try {
    await checkBatch(account, units, records, outcomes, logged, freshThisBatch);
  } catch (error) {
    // Say what became of every record of the batch, then what went wrong.
    const table = units
      .map(
        (u, i) =>
          `  ${u.record.kinesis.sequenceNumber.slice(-10)}/${u.subSequenceNumber ?? ""} ${u.spec.label}${u.message ? ` ${u.message.jti}` : ""}: ${JSON.stringify(outcomes[i])}`,
      )
      .join("\n");
    throw new Error(`${table}\n${error instanceof Error ? error.message : String(error)}`);
  }
}

async function checkBatch(
  account: string,
  units: Unit[],
  records: KinesisStreamRecord[],
  outcomes: Outcome[],
  logged: Map<string, string>,
  freshThisBatch: ValidMessage[],
) {
  const oracle: OracleSettings = { audience: settings.audience, issuers: oracleIssuers, now: settings.now() };
  const count = { processed: 0, duplicate: 0, rejected: 0 };
  for (const [i, unit] of units.entries()) {
    const outcome = outcomes[i]!;
    const where = `${unit.spec.label} at ${unit.record.kinesis.sequenceNumber}/${unit.subSequenceNumber ?? ""}`;
    count[outcome.status]++;
    const logReason =
      logged.get(`${unit.record.kinesis.sequenceNumber}/${unit.subSequenceNumber ?? ""}`) ??
      (unit.alsoAsUser ? logged.get(`${unit.record.kinesis.sequenceNumber}/0`) : undefined);
    if (outcome.status === "rejected") {
      expect(`${where}: ${outcome.reason}`).toBe(`${where}: ${logReason}`);
      expect(REJECTION_REASONS).toContain(outcome.reason);
      if (outcome.byIdentity) expect(VERIFIED_REASONS).toContain(outcome.reason);
      reasons.set(outcome.reason, (reasons.get(outcome.reason) ?? 0) + 1);
    } else {
      expect(`${where}: ${logReason}`).toBe(`${where}: undefined`);
    }
    const violation = contractViolation(unit.data, oracle);
    if (outcome.status === "processed") {
      // Never accept what the contract refuses.
      expect(`${where}: ${violation}`).toBe(`${where}: undefined`);
      countDeal(unit.data);
    }
    // A record no trusted key signed is refused under its own position: it can be neither applied nor a duplicate.
    if (!unit.trustedSignature && violation !== undefined)
      expect(`${where}: ${outcome.status}`).toBe(`${where}: rejected`);
    if (unit.spec.kind === "corrupt-aggregate")
      expect(`${where}: ${JSON.stringify(outcome)}`).toBe(
        `${where}: ${JSON.stringify({ status: "rejected", reason: "aggregate", byIdentity: false })}`,
      );
    if (unit.resend) expect(`${where}: ${outcome.status}`).toBe(`${where}: duplicate`);
    // The same bytes again: refused again for the same reason under their new position, or a duplicate of
    // what the first copy left under the message's key (applied, or rejected once its signature verified).
    if (unit.firstOutcome) {
      const first = unit.firstOutcome;
      const expected = first.status === "rejected" && !first.byIdentity ? first : { status: "duplicate" };
      expect(`${where}: ${JSON.stringify(outcome)}`).toBe(`${where}: ${JSON.stringify(expected)}`);
    }
  }
  for (const [i, unit] of units.entries())
    if (unit.spec.kind === "hostile" && unit.subSequenceNumber === undefined && !unit.alsoAsUser)
      sentHostile.push({ data: unit.data, trustedSignature: unit.trustedSignature, outcome: outcomes[i]! });
  // Each valid message first sent in this batch: applied by exactly one of its copies; the others are duplicates.
  for (const message of freshThisBatch) {
    const copies = units.flatMap((u, i) => (u.message === message ? [outcomes[i]!.status] : []));
    expect(`${message.jti}: ${copies.filter((s) => s === "processed").length}`).toBe(`${message.jti}: 1`);
    await expectEffect(message);
  }
  expect({
    processed: metrics.get("processed"),
    duplicate: metrics.get("duplicate"),
    rejected: metrics.get("rejected"),
  }).toEqual(count);
  await expectDealTotals(account);

  figures.batches++;
  figures.records += records.length;
  figures.units += units.length;
  figures.processed += count.processed;
  figures.duplicate += count.duplicate;
  figures.rejected += count.rejected;
  if (units.every((u) => !u.message && contractViolation(u.data, oracle) !== undefined))
    figures.onlyHostile++;
}

/** What became of each unit, read from the ledger alone. */
async function readOutcomes(units: Unit[]): Promise<Outcome[]> {
  const keysOf = (u: Unit) => {
    const seq = u.record.kinesis.sequenceNumber;
    const positions = [recordLedgerKey(shard.shardId, seq, u.subSequenceNumber)];
    if (u.alsoAsUser) positions.push(recordLedgerKey(shard.shardId, seq, 0));
    const id = namedIdentity(u.data);
    const identity =
      id && id.iss in oracleIssuers && id.jti.length >= 1 && id.jti.length <= 256
        ? messageLedgerKey(id.iss, id.jti)
        : undefined;
    return { positions, identity };
  };
  const wanted = units.map(keysOf);
  const items = await getItems(
    new Set(wanted.flatMap((w) => [...w.positions, ...(w.identity ? [w.identity] : [])])),
  );
  return units.map((u, i) => {
    const { positions, identity } = wanted[i]!;
    const where = `${u.spec.label} at ${u.record.kinesis.sequenceNumber}/${u.subSequenceNumber ?? ""}`;
    const byPosition = positions.map((k) => items.get(k)).find((item) => item !== undefined);
    if (byPosition) {
      expect(`${where}: ${byPosition.status}`).toBe(`${where}: rejected`);
      return { status: "rejected", reason: String(byPosition.reason), byIdentity: false };
    }
    const marker = identity ? items.get(identity) : undefined;
    const here =
      marker !== undefined &&
      marker.shardId === shard.shardId &&
      marker.sequenceNumber === u.record.kinesis.sequenceNumber &&
      marker.subSequenceNumber === u.subSequenceNumber;
    if (here && marker.status === "done") return { status: "processed" };
    if (here) {
      expect(`${where}: ${marker.status}`).toBe(`${where}: rejected`);
      return { status: "rejected", reason: String(marker.reason), byIdentity: true };
    }
    // Not recorded under its position nor as the message's own item: a duplicate of a message the ledger holds.
    expect(`${where}: ${marker?.status ?? "no ledger item at all"}`).toMatch(/: (done|rejected)$/);
    return { status: "duplicate" };
  });
}

async function getItems(keys: Set<string>): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  let pending = [...keys].map((pk) => ({ pk: { S: pk } }) as Record<string, AttributeValue>);
  while (pending.length > 0) {
    const chunk = pending.slice(0, 100);
    pending = pending.slice(100);
    const res = await env.client.send(
      new BatchGetItemCommand({ RequestItems: { [env.ledgerTable]: { Keys: chunk, ConsistentRead: true } } }),
    );
    for (const item of res.Responses?.[env.ledgerTable] ?? []) {
      const plain = fromAttributeMap(item) as Record<string, unknown>;
      out.set(String(plain.pk), plain);
    }
    pending.push(
      ...((res.UnprocessedKeys?.[env.ledgerTable]?.Keys ?? []) as Record<string, AttributeValue>[]),
    );
  }
  return out;
}

/** A processed deal's ADD, as the test expects to find it in the account's totals. */
function countDeal(token: Buffer) {
  const claims = JSON.parse(
    Buffer.from(token.toString("latin1").split(".")[1]!, "base64url").toString("utf8"),
  );
  if (claims.type !== "deal.stage_changed") return;
  const d = claims.data as {
    accountId: string;
    toStage: string;
    amountMinor: number;
    currency: string;
    fromStage: string | null;
  };
  const totals = dealTotals.get(d.accountId) ?? new Map<string, number>();
  dealTotals.set(d.accountId, totals);
  const add = (name: string, n: number) =>
    totals.set(`${d.currency}/${name}`, (totals.get(`${d.currency}/${name}`) ?? 0) + n);
  add(`count_${d.toStage}`, 1);
  add(`amount_${d.toStage}`, d.amountMinor);
  if (d.fromStage !== null) {
    add(`count_${d.fromStage}`, -1);
    add(`amount_${d.fromStage}`, -d.amountMinor);
  }
}

/** The account's pipeline totals equal the sum of the deals processed for it, each counted once. */
async function expectDealTotals(account: string) {
  const out = await env.client.send(
    new QueryCommand({
      TableName: env.projectionsTable,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :sk)",
      ExpressionAttributeValues: { ":pk": { S: `account#${account}` }, ":sk": { S: "pipeline#" } },
      ConsistentRead: true,
    }),
  );
  const stored = new Map<string, number>();
  for (const item of out.Items ?? []) {
    const plain = fromAttributeMap(item) as Record<string, unknown>;
    for (const [name, value] of Object.entries(plain))
      if (/^(count|amount)_/.test(name) && value !== 0)
        stored.set(`${String(plain.currency)}/${name}`, Number(value));
  }
  const expected = new Map(
    [...(dealTotals.get(account) ?? new Map<string, number>())].filter(([, v]) => v !== 0),
  );
  expect(Object.fromEntries([...stored].sort())).toEqual(Object.fromEntries([...expected].sort()));
}

/** The message's own effect is in the projections, naming it (notes, contacts) or in the totals (deals). */
async function expectEffect(message: ValidMessage) {
  const marker = await getItems(new Set([messageLedgerKey(message.iss, message.jti)]));
  expect(marker.get(messageLedgerKey(message.iss, message.jti))?.status).toBe("done");
  if (message.type === "deal.stage_changed") return;
  const d = message.data as { accountId: string; noteId?: string; contactId?: string };
  const sk = message.type === "note.added" ? `note#${d.noteId}` : `contact#${d.contactId}`;
  const out = await env.client.send(
    new QueryCommand({
      TableName: env.projectionsTable,
      KeyConditionExpression: "pk = :pk AND sk = :sk",
      ExpressionAttributeValues: { ":pk": { S: `account#${d.accountId}` }, ":sk": { S: sk } },
      ConsistentRead: true,
    }),
  );
  expect(out.Items).toHaveLength(1);
  const item = fromAttributeMap(out.Items![0]!) as Record<string, unknown>;
  expect(item.sourceJti).toBe(message.jti);
  const field = message.type === "note.added" ? "body" : "givenName";
  expect(item[field]).toBe((message.data as Record<string, unknown>)[field]);
}

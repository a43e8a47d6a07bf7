/**
 * How fast the operator console's pages answer with 10,000 ledger items (`npm run bench:console`).
 *
 * Starts DynamoDB Local in memory (or uses AWS_ENDPOINT_URL_DYNAMODB), writes BENCH_ITEMS ledger items spread
 * over the last three hours (85 % done, 10 % rejected, 5 % failed; the same item shapes the pipeline writes)
 * and the per-minute outcome counters those outcomes (plus 5 % duplicates) add up to, starts the console, waits for its overview cache to fill (it starts filling when the console starts), and
 * times each page's API calls as the browser makes them: the first call, then the median and the worst of
 * BENCH_ROUNDS more. A page's time is its calls in sequence.
 */
import { randomBytes } from "node:crypto";
import {
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { dynamoDbClient } from "../lib/aws/dynamodb-client.js";
import { boundedRaw, doneMarker, failureAttributes } from "../lib/ledger/ledger-items.js";
import { toAttributeMap } from "../lib/ledger/attribute-values.js";
import { messageLedgerKey, recordLedgerKey } from "../lib/ledger/ledger-keys.js";
import { ensureConsumerTables } from "../lib/ledger/tables.js";
import { queryActivity } from "../lib/ledger/activity.js";
import {
  addOutcomeCounts,
  coalesceOutcomes,
  minuteOf,
  OUTCOME_COUNTER_SHARDS,
  type OutcomeEntry,
} from "../lib/ledger/outcome-counters.js";
import { startDynamoDbLocal } from "../dev/local/dynamodb-local.js";
import type { Emulator } from "../dev/local/emulator.js";
import { startConsole } from "../dev/console/console.js";

const ITEMS = Number(process.env.BENCH_ITEMS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const TYPES = ["contact.upserted", "deal.stage_changed", "note.added"];
const REASONS = ["unknown_key", "invalid_payload", "expired", "bad_signature"];

/** What each item's batch counted, by (minute, write shard). */
const counted = new Map<string, { at: number; shard: number; entries: OutcomeEntry[] }>();
function count(at: number, i: number, entry: OutcomeEntry) {
  const shard = i % OUTCOME_COUNTER_SHARDS;
  const key = `${minuteOf(at)}#${shard}`;
  const group = counted.get(key) ?? { at, shard, entries: [] };
  group.entries.push(entry);
  counted.set(key, group);
}

function ledgerItem(i: number, now: number): WriteRequest {
  const at = now - Math.floor(Math.random() * 3 * 3_600_000);
  const position = {
    shardId: `shardId-00000000000${i % 4}`,
    sequenceNumber: String(49_000_000_000_000n + BigInt(i)),
    partitionKey: `acc_${String(i % 500).padStart(12, "0")}`,
  };
  const facts = { iss: "crm-rails", jti: `bench-${i}`, type: TYPES[i % TYPES.length]!, v: 1 };
  const times = { now: at, ttlSeconds: 86_400 };
  const roll = i % 20;
  if (roll === 0) count(at, i, { outcome: "duplicate", type: facts.type });
  if (roll < 17) {
    count(at, i, { outcome: "processed", type: facts.type });
    return {
      PutRequest: { Item: doneMarker(messageLedgerKey("crm-rails", facts.jti), position, facts, "h", times) },
    };
  }
  const status = roll < 19 ? "rejected" : "failed";
  const failure = {
    reason: status === "failed" ? "processor_failed" : REASONS[Math.floor(i / 20) % REASONS.length]!,
    detail: "bench",
    ...boundedRaw(
      Buffer.from("eyJ.bench.sig"),
      Buffer.from("eyJ.bench.sig").toString("base64"),
      65_536,
      1_024,
    ),
  };
  count(at, i, { outcome: status, type: facts.type, reason: failure.reason });
  const pk =
    status === "rejected"
      ? recordLedgerKey(position.shardId, position.sequenceNumber)
      : messageLedgerKey("crm-rails", facts.jti);
  return {
    PutRequest: {
      Item: toAttributeMap({
        pk,
        attempts: 1,
        ...failureAttributes(status, position, facts, failure, times),
      }),
    },
  };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function get0(server: { url: string; token: string }, path: string) {
  const res = await fetch(server.url.replace(/\/\?token=.*/, path), {
    headers: { authorization: `Bearer ${server.token}` },
  });
  return res.json();
}

async function main() {
  let emulator: Emulator | undefined;
  if (!process.env.AWS_ENDPOINT_URL_DYNAMODB && !process.env.AWS_ENDPOINT_URL) {
    emulator = await startDynamoDbLocal({ inMemory: true });
    process.env.AWS_ENDPOINT_URL_DYNAMODB = emulator.endpoint;
  }
  const dynamodb = dynamoDbClient();
  const run = `${Date.now().toString(36)}-${randomBytes(2).toString("hex")}`;
  const tables = {
    ledgerTable: `bench-console-ledger-${run}`,
    projectionsTable: `bench-console-proj-${run}`,
  };
  try {
    await ensureConsumerTables(dynamodb, tables);
    const now = Date.now();
    const requests = Array.from({ length: ITEMS }, (_, i) => ledgerItem(i, now));
    const t = Date.now();
    for (let i = 0; i < requests.length; i += 25) {
      let pending: WriteRequest[] | undefined = requests.slice(i, i + 25);
      while (pending?.length) {
        const out: BatchWriteItemCommandOutput = await dynamodb.send(
          new BatchWriteItemCommand({ RequestItems: { [tables.ledgerTable]: pending } }),
        );
        pending = out.UnprocessedItems?.[tables.ledgerTable];
      }
    }
    let writes = 0;
    for (const { at, shard, entries } of counted.values())
      writes += await addOutcomeCounts(dynamodb, tables.ledgerTable, coalesceOutcomes(entries), {
        nowMs: at,
        shard,
        ttlSeconds: 86_400,
      });
    console.log(`${ITEMS} ledger items and ${writes} counter updates written in ${Date.now() - t} ms`);

    const server = await startConsole({
      env: {
        ...process.env,
        KJP_LEDGER_TABLE: tables.ledgerTable,
        KJP_PROJECTIONS_TABLE: tables.projectionsTable,
      },
      port: 0,
      allowReplay: false,
    });
    const fill = Date.now();
    await get0(server, "/api/overview?hours=1");
    console.log(`overview cache filled ${Date.now() - fill} ms after the console started listening`);
    for (const minutes of [2, 60]) {
      const q = Date.now();
      const n = (
        await queryActivity(dynamodb, tables.ledgerTable, { sinceMs: q - minutes * 60_000, untilMs: q })
      ).length;
      console.log(`activity index, last ${minutes} min: ${n} items in ${Date.now() - q} ms`);
    }
    const base = server.url.replace(/\/\?token=.*/, "");
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${server.token}` } });
      if (res.status >= 500) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
      return res.json();
    };
    const firstFailed = (
      (await get("/api/failures?status=failed&pageSize=1")) as { items: Array<{ pk: string }> }
    ).items[0]!.pk;
    const pages: Record<string, string[]> = {
      "overview (3 h)": ["/api/session", "/api/overview?hours=3"],
      "failures (all, page of 50)": ["/api/failures?pageSize=50"],
      "failures (reason filter)": ["/api/failures?reason=unknown_key&pageSize=50"],
      "failures counts by reason": ["/api/failures/counts"],
      "message (by ledger key)": [`/api/message?pk=${encodeURIComponent(firstFailed)}`],
    };
    try {
      console.log(
        `page                           first ms  median ms   worst ms   (median/worst: ${ROUNDS} rounds after the first)`,
      );
      for (const [name, calls] of Object.entries(pages)) {
        const page = async () => {
          for (const call of calls) await get(call);
        };
        const first = await timed(page);
        const times: number[] = [];
        for (let r = 0; r < ROUNDS; r++) times.push(await timed(page));
        times.sort((a, b) => a - b);
        const median = times[Math.floor(times.length / 2)]!;
        console.log(
          `${name.padEnd(30)} ${first.toFixed(0).padStart(8)} ${median.toFixed(0).padStart(9)} ${times.at(-1)!.toFixed(0).padStart(10)}`,
        );
      }
    } finally {
      await server.close();
    }
  } finally {
    dynamodb.destroy();
    await emulator?.stop();
  }
}

await main();

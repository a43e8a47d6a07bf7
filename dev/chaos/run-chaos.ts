import { createHash } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { dynamoDbClient } from "../../lib/aws/dynamodb-client.js";
import { kinesisClient } from "../../lib/aws/kinesis-client.js";
import { messageLedgerKey } from "../../lib/ledger/ledger-keys.js";
import { projectRoot } from "../../lib/util/project-root.js";
import { kjpDir } from "../local/project-paths.js";
import { createResources, defaultResourceClients, destroyResourceClients } from "../local/resources.js";
import { LOCAL_AUDIENCE } from "../local/stack-env-vars.js";
import { loadServiceDefinition } from "../service-definition/service-definition.js";
import { readStreamEventSettings } from "../service-definition/stream-event.js";
import { CHAOS_ISSUERS, createChaosKeys } from "./chaos-keys.js";
import { ChaosStack } from "./chaos-stack.js";
import { ConsumerControl } from "./consumer-control.js";
import { chaosReplayDeps } from "./consumer-wiring.js";
import { scheduleFaults, type ScheduledFault } from "./fault-schedule.js";
import { buildHostileRecords, type HostileRecord } from "./hostile-records.js";
import { writeStickyFaults } from "./processor-faults.js";
import { GemProducer, putHostile, TsProducer, type PlacedHostile } from "./producers.js";
import type { ChaosProfile, FaultKind } from "./profiles.js";
import { readLedgerOutcomes, readSequences } from "./read-outcomes.js";
import { reconcile, type Verdict } from "./reconcile.js";
import { replayPerRunbook, type ReplayStep } from "./replay-runbook.js";
import { seededRng } from "./rng.js";
import { sequenceItemKey } from "./sequenced-message.js";
import { TcpOutageProxy } from "./tcp-proxy.js";
import { planWorkload, publishedKeys } from "./workload.js";

/** A corruption planted after the run and before the reconciliation: the canary's proof that it can fail. */
export type Plant = "extra" | "swap" | "missing";

export interface ChaosOptions {
  profile: ChaosProfile;
  seed: number;
  plant?: Plant;
  log: (line: string) => void;
}

export interface ChaosSummary {
  profile: string;
  seed: number;
  ok: boolean;
  published: { ts: number; gem: number; hostile: number };
  applied: number;
  rejected: Record<string, number>;
  duplicateEffects: number;
  orderViolations: number;
  unaccounted: number;
  foreignEffects: number;
  hostileMismatches: number;
  unexpectedRejections: number;
  leftPending: number;
  producers: { tsFailed: number; gemSpilled: number; gemResent: number; gemDropped: number };
  faults: Record<string, number>;
  replayed: Record<string, { replayed: number; processed: number; duplicates: number; failed: number }>;
  timingsMs: Record<string, number>;
  mismatches: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(options: ChaosOptions): Promise<ChaosSummary> {
  const { profile, seed, log } = options;
  const rng = seededRng(seed);
  const timings: Record<string, number> = {};
  const started = Date.now();
  const lap = (name: string, since: number) => (timings[name] = Date.now() - since);
  const dataDir = kjpDir("chaos", `run-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });

  const stack = await ChaosStack.start(join(dataDir, "data"), profile.kinesisSnapshotSeconds);
  const cleanups: (() => Promise<void>)[] = [() => stack.stop()];
  const mismatches: string[] = [];
  try {
    Object.assign(process.env, stack.env);
    const definition = loadServiceDefinition({ stage: "local", region: stack.env.AWS_REGION });
    const resourceClients = defaultResourceClients();
    const resources = await createResources(definition, resourceClients).finally(() =>
      destroyResourceClients(resourceClients),
    );
    const settings = readStreamEventSettings(join(projectRoot(), "serverless.yml"), { stage: "local" });
    Object.assign(process.env, resources.env, {
      KJP_ONFAILURE_DESTINATION: "sqs",
      KJP_CONSUMER_LOG_GROUP: `/aws/lambda/${settings.functionName}`,
    });
    const streamName = resources.env.KJP_STREAM_NAME!;
    const keys = await createChaosKeys(join(dataDir, "keys"));
    const audience = LOCAL_AUDIENCE;
    Object.assign(process.env, { KJP_AUDIENCE: audience, KJP_ISSUERS: keys.issuersEnv });
    const stickyFile = join(dataDir, "sticky-faults.json");
    writeStickyFaults(stickyFile, { keys: [], untilMs: 0 });
    lap("stackMs", started);

    const consumer = new ConsumerControl(
      {
        ...process.env,
        KJP_PARK_AFTER_ATTEMPTS: "3",
        KJP_CHAOS_CHECKPOINTS: join(dataDir, "checkpoints"),
        KJP_CHAOS_STICKY_FILE: stickyFile,
        KJP_CHAOS_ERROR_RATE: String(profile.processorErrorRate),
        POWERTOOLS_METRICS_NAMESPACE: "kjp-chaos",
        POWERTOOLS_LOG_LEVEL: "WARN",
      },
      join(dataDir, "consumer.log"),
    );
    await consumer.start();
    cleanups.unshift(() => consumer.kill());

    const proxy = await new TcpOutageProxy(() => ({
      host: "127.0.0.1",
      port: Number(new URL(stack.kinesisEndpoint).port),
    })).listen();
    cleanups.unshift(() => proxy.stop());
    const ts = await TsProducer.start(keys, audience, proxy.endpoint, streamName);
    const gem = GemProducer.start(keys, audience, proxy.endpoint, streamName, join(dataDir, "journal"));
    cleanups.unshift(async () => gem.kill());

    const plan = planWorkload(profile, rng);
    const total = plan.ts.length + plan.gem.length;
    const hostile = await buildHostileRecords(Math.round(total * profile.hostileShare), keys, audience, rng);
    const schedule = scheduleFaults(profile, rng);
    log(
      `chaos: profile ${profile.name}, seed ${seed}: ${plan.ts.length} messages via the TS publisher, ${plan.gem.length} via the gem, ${hostile.length} hostile records; faults: ${schedule.map((f) => `${f.kind}@${(f.atMs / 1000).toFixed(1)}s`).join(", ") || "none"}`,
    );

    // Publishing, paced over the window, while faults land at their moments.
    // One attempt per call: a retry is this run's own (a put whose answer was lost may land twice: see reconcile.ts).
    const hostileClient = kinesisClient({
      endpoint: stack.kinesisEndpoint,
      requestTimeoutMs: 10_000,
      maxAttempts: 1,
    });
    cleanups.unshift(async () => hostileClient.destroy());
    const placed: PlacedHostile[] = [];
    let hostilePending: HostileRecord[] = [];
    let kinesisDown = false;
    const putPendingHostile = async () => {
      if (kinesisDown || hostilePending.length === 0) return;
      const batch = hostilePending;
      hostilePending = [];
      try {
        const r = await putHostile(hostileClient, streamName, batch);
        placed.push(...r.placed);
        hostilePending.push(...r.notPlaced);
      } catch {
        hostilePending.push(...batch);
      }
    };
    const publishStarted = Date.now();
    const publishing = (async () => {
      const ticks = Math.max(1, profile.publishSeconds * 10);
      let sentTs = 0;
      let sentGem = 0;
      let sentHostile = 0;
      for (let t = 0; t < ticks; t++) {
        const due = (n: number) => Math.floor((n * (t + 1)) / ticks);
        while (sentTs < due(plan.ts.length)) await ts.publish(plan.ts[sentTs++]!);
        while (sentGem < due(plan.gem.length)) await gem.publish(plan.gem[sentGem++]!);
        const hostileDue = due(hostile.length);
        hostilePending.push(...hostile.slice(sentHostile, hostileDue));
        sentHostile = hostileDue;
        await putPendingHostile();
        const wait = publishStarted + (t + 1) * 100 - Date.now();
        if (wait > 0) await sleep(wait);
      }
    })();

    const faultCounts: Record<string, number> = {};
    let stickyUntil = 0;
    const allKeys = [...new Set([...plan.ts, ...plan.gem].map((m) => m.key))];
    const inject = async (f: ScheduledFault) => {
      switch (f.kind) {
        case "dynamodb_kill":
          return stack.killDynamoDb(f.durationMs);
        case "dynamodb_pause":
          return stack.pauseDynamoDb(f.durationMs);
        case "runner_kill":
          await consumer.kill();
          await sleep(f.durationMs);
          return consumer.start();
        case "kinesis_restart":
          // Writers away first, then a snapshot written after that (restartKinesis waits for it): what kinesis-mock
          // acknowledged is on disk when it stops.
          proxy.cut();
          kinesisDown = true;
          await stack.restartKinesis(f.durationMs, Date.now());
          kinesisDown = false;
          proxy.restore();
          return;
        case "producer_outage":
          proxy.cut();
          await sleep(f.durationMs);
          proxy.restore();
          return;
        case "processor_errors": {
          const failing = Array.from({ length: 3 }, () => rng.pick(allKeys));
          stickyUntil = Date.now() + f.durationMs;
          writeStickyFaults(stickyFile, { keys: failing, untilMs: stickyUntil });
          return;
        }
      }
    };
    const faulting = (async () => {
      for (const f of schedule) {
        const wait = publishStarted + f.atMs - Date.now();
        if (wait > 0) await sleep(wait);
        const at = Date.now();
        await inject(f);
        faultCounts[f.kind] = (faultCounts[f.kind] ?? 0) + 1;
        log(`chaos: ${f.kind} at ${((at - publishStarted) / 1000).toFixed(1)}s for ${f.durationMs} ms`);
        const gone = await stack.gone();
        if (gone.length > 0) {
          mismatches.push(`after ${f.kind}: ${gone.join(", ")} died (its port refuses connections)`);
          log(`chaos: ${gone.join(", ")} died after ${f.kind}`);
        }
      }
    })();
    await Promise.all([publishing, faulting]);
    lap("publishAndFaultsMs", publishStarted);

    const finishing = Date.now();
    const [tsResult, gemResult] = await Promise.all([ts.finish(), gem.finish()]);
    while (hostilePending.length > 0) {
      await putPendingHostile();
      if (hostilePending.length > 0) await sleep(500);
    }
    if (tsResult.failed > 0)
      mismatches.push(`TS publisher: ${tsResult.failed} messages not acknowledged (${tsResult.firstError})`);
    if (gemResult.exitCode !== 0 || gemResult.published !== plan.gem.length)
      mismatches.push(
        `gem: exit ${gemResult.exitCode}, published ${gemResult.published} of ${plan.gem.length}: ${gemResult.stderr.slice(-500)}`,
      );
    lap("producersFinishMs", finishing);
    const wait = stickyUntil - Date.now();
    if (wait > 0) await sleep(wait);

    const draining = Date.now();
    const drained = await consumer.drain(profile.name === "long" ? 900_000 : 300_000);
    if (!drained.ok) mismatches.push(`consumer did not drain: ${drained.error}`);
    await consumer.stop();
    lap("drainMs", draining);

    const replaying = Date.now();
    const dynamodb = dynamoDbClient();
    cleanups.unshift(async () => dynamodb.destroy());
    const steps = await replayPerRunbook(
      process.env,
      dynamodb,
      chaosReplayDeps(process.env, dynamodb, 7 * 86_400),
    );
    lap("replayMs", replaying);

    if (options.plant)
      await plantCorruption(dynamodb, resources.env.KJP_PROJECTIONS_TABLE!, plan.ts[0]!.key, options.plant);

    const reconciling = Date.now();
    const verdict = reconcile({
      published: [...publishedKeys(plan.ts), ...publishedKeys(plan.gem)],
      hostile: placed.map((h) => ({
        ...h,
        ...hostileMessageKey(h),
        sha256: createHash("sha256").update(h.data).digest("hex"),
      })),
      producerIssuers: [CHAOS_ISSUERS.ts, CHAOS_ISSUERS.gem],
      sequences: await readSequences(dynamodb, resources.env.KJP_PROJECTIONS_TABLE!),
      ledger: await readLedgerOutcomes(dynamodb, resources.env.KJP_LEDGER_TABLE!),
    });
    lap("reconcileMs", reconciling);
    lap("totalMs", started);
    return summarize(profile, seed, verdict, mismatches, {
      hostile: placed.length,
      tsFailed: tsResult.failed,
      gem: gemResult,
      faults: faultCounts,
      steps,
      timings,
      consumerStarts: consumer.starts,
    });
  } finally {
    for (const c of cleanups) await c().catch(() => undefined);
  }
}

/** The ledger key a verified rejection of this record would have, when its token names iss and jti as strings. */
function hostileMessageKey(h: HostileRecord): { messageKey?: string } {
  try {
    const payload = new TextDecoder().decode(h.data).split(".")[1] ?? "";
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as {
      iss?: unknown;
      jti?: unknown;
    };
    return typeof claims.iss === "string" && typeof claims.jti === "string"
      ? { messageKey: messageLedgerKey(claims.iss, claims.jti) }
      : {};
  } catch {
    return {};
  }
}

/** Corrupts one key's sequence the way a broken pipeline would: an effect twice, two swapped, one lost. */
async function plantCorruption(
  client: DynamoDBClient,
  table: string,
  key: string,
  plant: Plant,
): Promise<void> {
  const Key = { pk: { S: sequenceItemKey(key).pk }, sk: { S: sequenceItemKey(key).sk } };
  const expression =
    plant === "extra"
      ? {
          UpdateExpression: "SET seqs = list_append(seqs, :one)",
          ExpressionAttributeValues: { ":one": { L: [{ N: "1" }] } },
        }
      : plant === "swap"
        ? { UpdateExpression: "SET seqs[0] = seqs[1], seqs[1] = seqs[0]" }
        : { UpdateExpression: "REMOVE seqs[0]" };
  await client.send(new UpdateItemCommand({ TableName: table, Key, ...expression }));
}

function summarize(
  profile: ChaosProfile,
  seed: number,
  v: Verdict,
  mismatches: string[],
  extra: {
    hostile: number;
    tsFailed: number;
    gem: { published: number; spilled: number; resent: number; dropped: number };
    faults: Record<string, number>;
    steps: ReplayStep[];
    timings: Record<string, number>;
    consumerStarts: number;
  },
): ChaosSummary {
  const faults: Record<string, number> = {};
  for (const kind of Object.keys(profile.faults) as FaultKind[]) faults[kind] = extra.faults[kind] ?? 0;
  faults.hostile_records = extra.hostile;
  const replayed: ChaosSummary["replayed"] = {};
  for (const s of extra.steps)
    replayed[s.from] = {
      replayed: s.summary.replayed,
      processed: s.summary.processed,
      duplicates: s.summary.duplicates,
      failed: Object.values(s.summary.failed).reduce((a, b) => a + b, 0),
    };
  const stillFailing = extra.steps.filter((s) => replayed[s.from]!.failed > 0 || (s.held ?? 0) > 0);
  const all = [
    ...mismatches,
    ...v.mismatches,
    ...stillFailing.map(
      (s) => `replay --from ${s.from}: ${replayed[s.from]!.failed} still failing, ${s.held ?? 0} keys held`,
    ),
  ];
  return {
    profile: profile.name,
    seed,
    ok: v.ok && all.length === 0,
    published: { ts: profile.tsMessages - extra.tsFailed, gem: extra.gem.published, hostile: extra.hostile },
    applied: v.applied,
    rejected: v.rejected,
    duplicateEffects: v.duplicateEffects,
    orderViolations: v.orderViolations,
    unaccounted: v.unaccounted,
    foreignEffects: v.foreignEffects,
    hostileMismatches: v.hostileMismatches,
    unexpectedRejections: v.unexpectedRejections,
    leftPending: v.leftPending,
    producers: {
      tsFailed: extra.tsFailed,
      gemSpilled: extra.gem.spilled,
      gemResent: extra.gem.resent,
      gemDropped: extra.gem.dropped,
    },
    faults,
    replayed,
    timingsMs: extra.timings,
    mismatches: all,
  };
}

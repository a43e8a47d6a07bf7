import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { kinesisClient } from "../../lib/aws/kinesis-client.js";
import { logsClient } from "../../lib/aws/logs-client.js";
import { s3Client } from "../../lib/aws/s3-client.js";
import { sqsClient } from "../../lib/aws/sqs-client.js";
import { runReplay, type ReplayEngineDeps } from "../../lib/replay/engine.js";
import { drainParkedKeys } from "../../lib/replay/parked-drain.js";
import { selectSource, type SourceSelection } from "../../lib/replay/source-selection.js";
import type { ReplayFilters, ReplaySummary } from "../../lib/replay/types.js";
import { REJECTION_REASONS } from "../../lib/envelope/reasons.js";

/**
 * From the consumer's CloudWatch Logs, the rejected lines: each names one record, re-read and replayed on its own.
 * Lines of failed and unfinished records name every record a batch left behind (after a failure, at a deadline,
 * while DynamoDB was away): the live consumer redelivered those, and the ledger's failed items and the parks are
 * replayed from their own sources, so replaying them again here only finds thousands of duplicates.
 */
const REJECTED: ReplayFilters = { reasons: [...REJECTION_REASONS] };

export interface ReplayStep {
  /** As `kjp replay --from <from>` names it. */
  from: string;
  summary: ReplaySummary;
  /** Keys still held (parked) after the drain. */
  held?: number;
}

/**
 * docs/operations.md's runbook after an incident, with lib/replay (the engine `kjp replay` runs): drain parked
 * keys (§1a), then the on-failure destination, the consumer's CloudWatch Logs and the ledger's failed items (§3).
 * The engine is built by the chaos wiring, so the chaos message type verifies and applies as on the live path.
 */
export async function replayPerRunbook(
  env: NodeJS.ProcessEnv,
  dynamodb: DynamoDBClient,
  engine: ReplayEngineDeps,
): Promise<ReplayStep[]> {
  const steps: ReplayStep[] = [];
  const parked = await drainParkedKeys(engine, {});
  steps.push({
    from: "parked",
    summary: parked.summary,
    held: parked.keys.filter((k) => k.state === "held").length,
  });
  const clients = {
    dynamodb,
    kinesis: kinesisClient(),
    sqs: sqsClient(),
    s3: s3Client(),
    logs: logsClient(),
  };
  try {
    const selections: [string, SourceSelection, ReplayFilters][] = [
      ["onfailure", { from: "onfailure", visibilityTimeoutSec: 900 }, {}],
      ["cloudwatch (rejected)", { from: "cloudwatch" }, REJECTED],
      ["ledger --status failed", { from: "ledger", status: "failed" }, {}],
    ];
    for (const [from, selection, filters] of selections) {
      const source = selectSource(selection, {
        clients,
        env,
        ledgerTable: engine.ledgerTable,
        filters,
        ...(env.KJP_STREAM_NAME ? { streamName: env.KJP_STREAM_NAME } : {}),
        streamGiven: false,
      });
      const result = await runReplay(source, engine, { filters });
      steps.push({ from, summary: result.summary });
    }
  } finally {
    for (const c of [clients.kinesis, clients.sqs, clients.s3, clients.logs]) c.destroy();
  }
  return steps;
}

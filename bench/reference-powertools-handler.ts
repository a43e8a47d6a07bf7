import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { parser } from "@aws-lambda-powertools/batch/parser";
import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from "aws-lambda";
import { importJWK, type JWK, jwtVerify } from "jose";
import { z } from "zod";
import type { EnvelopeClaims, VerifiedMessage } from "../lib/envelope/types.js";
import { effectTransactItem } from "../lib/ledger/transact-items.js";
import type { ProcessorRegistry } from "../lib/effects/processor.js";
import type { PayloadValidator } from "../lib/envelope/types.js";

export interface ReferenceDeps {
  client: DynamoDBClient;
  /** Powertools idempotency table (partition key `id`). */
  idempotencyTable: string;
  projectionsTable: string;
  publicJwk: JWK;
  issuer: string;
  audience: string;
  validator: PayloadValidator;
  processors: ProcessorRegistry;
  /**
   * per-key (the default and the strongest ordered setup): records grouped by partition key, keys run
   * concurrently (at most keyConcurrency at once, the consumer's own bound), records of one key in order, each
   * lane through its own BatchProcessor. sequential: one BatchProcessor, one record at a time. parallel:
   * Powertools' parallel mode, which ignores per-key order (not a valid Kinesis consumer; for scale only).
   */
  mode: "per-key" | "sequential" | "parallel";
  keyConcurrency: number;
}

/**
 * The textbook Powertools consumer the benchmark compares against: BatchProcessor + Parser (Kinesis record,
 * base64 data) + Idempotency on the jti with the DynamoDB persistence layer, doing the same verification
 * (jose: ES256, iss, aud, typ, clock tolerance), validation (the same Zod schemas) and effects (one Put or
 * Update per record, with the same conditions).
 */
export async function createReferenceHandler(
  deps: ReferenceDeps,
): Promise<(event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>> {
  const key = await importJWK(deps.publicJwk, "ES256");
  const newProcessor = () =>
    new BatchProcessor(EventType.KinesisDataStreams, {
      parser,
      innerSchema: z.string().max(1_100_000),
      transformer: "base64",
    });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: deps.idempotencyTable,
    awsSdkV3Client: deps.client,
  });
  const config = new IdempotencyConfig({ eventKeyJmesPath: "jti" });

  const applyEffects = makeIdempotent(
    async (message: VerifiedMessage): Promise<boolean> => {
      const result = deps.processors.get(message.type)?.(message);
      if (!result || result.kind !== "effects") return false;
      for (const effect of result.effects) {
        const item = effectTransactItem(effect, deps.projectionsTable);
        try {
          if (item.Put) await deps.client.send(new PutItemCommand(item.Put));
          else if (item.Update) await deps.client.send(new UpdateItemCommand(item.Update));
        } catch (error) {
          // Same meaning as in the pipeline: a stale update is a no-op success.
          if (!(error instanceof ConditionalCheckFailedException) || effect.condition?.onFailed !== "skip")
            throw error;
        }
      }
      return true;
    },
    { persistenceStore, config },
  );

  const recordHandler = async (record: { kinesis: { data: string } }) => {
    const token = record.kinesis.data;
    const { payload, protectedHeader } = await jwtVerify(token, key, {
      issuer: deps.issuer,
      audience: deps.audience,
      algorithms: ["ES256"],
      typ: "kjp+jwt",
      clockTolerance: 60,
      requiredClaims: ["iat", "exp", "jti"],
    });
    const p = payload as unknown as EnvelopeClaims;
    const validated = deps.validator.validate(p.type, p.v, p.data);
    if (!validated.ok) throw new Error(`${validated.reason}: ${validated.detail}`);
    const message: VerifiedMessage = {
      header: { alg: "ES256", kid: String(protectedHeader.kid), typ: "kjp+jwt" },
      iss: p.iss,
      aud: p.aud,
      iat: p.iat,
      exp: p.exp,
      jti: p.jti,
      type: p.type,
      v: validated.v,
      sentVersion: p.v,
      data: validated.data,
      ...(p.sub ? { sub: p.sub } : {}),
    };
    await applyEffects(message);
  };

  return async (event, context) => {
    // What the idempotency utility needs to size in-progress expiry by the function's remaining time.
    config.registerLambdaContext(context);
    const run = (records: KinesisStreamRecord[], processInParallel: boolean) =>
      processPartialResponse({ Records: records }, recordHandler as never, newProcessor(), {
        context,
        processInParallel,
        throwOnFullBatchFailure: false,
      });
    if (deps.mode !== "per-key") return run(event.Records, deps.mode === "parallel");
    const lanes = new Map<string, KinesisStreamRecord[]>();
    for (const record of event.Records) {
      const lane = lanes.get(record.kinesis.partitionKey);
      if (lane) lane.push(record);
      else lanes.set(record.kinesis.partitionKey, [record]);
    }
    const queue = [...lanes.values()];
    const batchItemFailures: KinesisStreamBatchResponse["batchItemFailures"] = [];
    const worker = async () => {
      for (let lane = queue.shift(); lane; lane = queue.shift()) {
        batchItemFailures.push(...(await run(lane, false)).batchItemFailures);
      }
    };
    await Promise.all(Array.from({ length: Math.min(deps.keyConcurrency, queue.length) }, worker));
    return { batchItemFailures };
  };
}

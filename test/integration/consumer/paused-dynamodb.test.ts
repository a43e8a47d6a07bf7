import { Logger } from "@aws-lambda-powertools/logger";
import type { Context } from "aws-lambda";
import { run } from "../../../cli/main.js";
import { EXIT_CONFIGURATION } from "../../../cli/error-report.js";
import { register as registerFailures } from "../../../cli/commands/failures.js";
import { localContext } from "../../../cli/commands/invoke.js";
import { startDynamoDbLocal } from "../../../dev/local/dynamodb-local.js";
import type { Emulator } from "../../../dev/local/emulator.js";
import { consumerDepsFromEnv } from "../../../handlers/wiring/consumer.js";
import { dynamoDbClient } from "../../../lib/aws/dynamodb-client.js";
import { generateSigningKey } from "../../../lib/envelope/signing-keys.js";
import { createSigner } from "../../../lib/envelope/sign.js";
import { ensureConsumerTables } from "../../../lib/ledger/tables.js";
import { createConsumerHandler } from "../../../lib/pipeline/consumer-handler.js";
import { createBatchPipeline } from "../../../lib/pipeline/pipeline.js";
import { AUDIENCE, event, FakeShard, id, ISSUER, noteMessage } from "./support.js";
import { consumerEnvFor, inlineKeys } from "../setup/consumer-env.js";

/**
 * A dependency that hangs (issue 10, item 2): DynamoDB Local of its own, stopped with SIGSTOP, so the shared
 * emulator of the other test files is never touched. Its port still accepts connections; nothing answers.
 */
let dynamodb: Emulator;
let client: ReturnType<typeof dynamoDbClient>;
const tables = { ledgerTable: "paused-ledger", projectionsTable: "paused-projections" };
let env: NodeJS.ProcessEnv;
let tokens: string[];

beforeAll(async () => {
  dynamodb = await startDynamoDbLocal();
  client = dynamoDbClient({ endpoint: dynamodb.endpoint });
  await ensureConsumerTables(client, tables);
  const key = await generateSigningKey("ES256", "paused-es-1");
  env = {
    ...process.env,
    ...consumerEnvFor(tables, {
      audience: AUDIENCE,
      issuers: [{ issuer: ISSUER, keys: inlineKeys(key.publicJwk) }],
    }),
  };
  const signer = await createSigner({ privateJwk: key.privateJwk, issuer: ISSUER, audience: AUDIENCE });
  tokens = await Promise.all(
    [0, 1, 2].map(() => {
      const m = noteMessage(id("acc"), false);
      return signer.sign({ type: m.type, v: m.v, data: m.data, jti: m.jti, sub: m.sub! });
    }),
  );
  process.kill(dynamodb.pid!, "SIGSTOP");
}, 120_000);

afterAll(async () => {
  if (dynamodb?.pid) process.kill(dynamodb.pid, "SIGCONT");
  client?.destroy();
  await dynamodb?.stop();
});

/** A Lambda context whose invocation ends `budgetMs` from now. */
function contextEnding(budgetMs: number): Context {
  const ends = Date.now() + budgetMs;
  return { ...localContext(), getRemainingTimeInMillis: () => Math.max(0, ends - Date.now()) };
}

test("with DynamoDB paused, the consumer answers unfinished_deadline before its timeout", async () => {
  const shard = new FakeShard();
  const records = tokens.map((t, i) => shard.record(`k${i}`, t));
  const deps = consumerDepsFromEnv(env, client, {
    logger: new Logger({ serviceName: "paused", logLevel: "SILENT" }),
  });
  const started = Date.now();
  const { reports, response } = await createBatchPipeline(deps).process(event(records), {
    remainingMs: contextEnding(12_000).getRemainingTimeInMillis,
  });
  const took = Date.now() - started;

  expect(took).toBeLessThan(12_000);
  expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
    records.map((r) => r.kinesis.sequenceNumber),
  );
  expect(reports.map((r) => r.outcome)).toEqual(
    records.map(() => expect.objectContaining({ status: "unfinished", reason: "unfinished_deadline" })),
  );

  // The same through the handler (middy, Powertools): a response, not middy's TimeoutError.
  const handler = createConsumerHandler(deps);
  const handlerStarted = Date.now();
  const answer = await handler(event(records), contextEnding(12_000));
  expect(Date.now() - handlerStarted).toBeLessThan(12_000);
  expect(answer.batchItemFailures).toHaveLength(records.length);
}, 60_000);

test("kjp failures against a paused DynamoDB fails in seconds with one clear line and the unreachable-endpoint exit code", async () => {
  const saved = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  const stderr: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (
    stderr.push(String(chunk)),
    true
  )) as typeof process.stderr.write;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb.endpoint;
  const started = Date.now();
  let code: number;
  try {
    code = await run(["node", "kjp", "failures", "--table", tables.ledgerTable], [registerFailures]);
  } finally {
    process.stderr.write = write;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = saved;
  }
  expect(Date.now() - started).toBeLessThan(20_000);
  expect(code).toBe(EXIT_CONFIGURATION);
  expect(stderr.join("")).toMatch(/kjp: cannot reach .*\(ETIMEDOUT\)/);
  expect(stderr.join("")).not.toMatch(/\n\s+at /);
}, 60_000);

import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { dynamoDbClient } from "../../lib/aws/dynamodb-client.js";
import { kinesisClient } from "../../lib/aws/kinesis-client.js";
import {
  authorizerConfigFromEnv,
  notesConfigFromEnv,
  projectionsTableFromEnv,
} from "../../lib/config/http-config.js";
import type { Env } from "../../lib/config/env.js";
import { createAccessTokenVerifier } from "../../lib/envelope/access-token.js";
import { createSigner } from "../../lib/envelope/sign.js";
import { accountPipelineRoute } from "../../lib/http/account-pipeline.js";
import { createAuthorizer, type Authorizer } from "../../lib/http/authorizer.js";
import { guarded, type HttpHandler } from "../../lib/http/guard.js";
import { postNoteRoute } from "../../lib/http/post-note.js";
import { loadPrivateJwk } from "../../lib/http/signing-key-source.js";
import { kinesisPutRecords } from "../../lib/producer/kinesis-transport.js";
import { Publisher } from "../../lib/producer/publisher.js";
import { registry } from "../../schemas/index.js";

/** The Lambda authorizer's dependencies; refusals are logged as one JSON line (never the token). */
export function authorizerFromEnv(env: Env, log: (line: string) => void = console.log): Authorizer {
  const config = authorizerConfigFromEnv(env);
  return createAuthorizer({
    verifier: createAccessTokenVerifier(config.verifier),
    cacheSeconds: config.cacheSeconds,
    cacheEntries: config.cacheEntries,
    onRefused: (line) => log(JSON.stringify({ level: "WARN", message: "access token refused", ...line })),
  });
}

export function accountPipelineHandlerFromEnv(
  env: Env,
  client: DynamoDBClient = dynamoDbClient(),
): HttpHandler {
  return guarded(
    accountPipelineRoute({
      documents: DynamoDBDocumentClient.from(client),
      projectionsTable: projectionsTableFromEnv(env),
    }),
  );
}

/**
 * The note route signs with the API's own key (loaded once, at cold start) and publishes through lib/producer
 * with no linger: each request's record is sent at once and the answer waits only for Kinesis to accept it.
 */
export async function postNoteHandlerFromEnv(
  env: Env,
  client: KinesisClient = kinesisClient(),
): Promise<HttpHandler> {
  const config = notesConfigFromEnv(env);
  const signer = await createSigner({
    privateJwk: await loadPrivateJwk(config.signingKeySource),
    issuer: config.issuer,
    audience: config.audience,
  });
  const publisher = new Publisher({
    signer,
    putRecords: kinesisPutRecords(client, { streamName: config.streamName }),
    validator: registry,
    lingerMs: 0,
    retryDeadlineMs: 5_000,
  });
  return guarded(
    postNoteRoute({ validator: registry, publish: (request) => publisher.publishAndWait(request) }),
  );
}

import { join } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import {
  accountPipelineHandlerFromEnv,
  authorizerFromEnv,
  postNoteHandlerFromEnv,
} from "../../handlers/wiring/http.js";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import { projectRoot } from "../../lib/util/project-root.js";
import { readHttpApiDefinition } from "../service-definition/http-api.js";
import type { HttpApiKeys } from "./http-api-keys.js";
import {
  startLocalHttpApi,
  type LocalHttpApi,
  type RouteFunction,
  type AuthorizerFunction,
} from "./local-http-api.js";

export interface HttpApiSessionOptions {
  stage: string;
  /** The environment every function shares (the session's resources, KJP_AUDIENCE, KJP_ISSUERS). */
  env: NodeJS.ProcessEnv;
  keys: HttpApiKeys;
  /** KJP_ACCESS_ISSUERS: who may issue access tokens (the Rails app), never the API itself. */
  accessIssuers: string;
  dynamodb: DynamoDBClient;
  kinesis: KinesisClient;
  port?: number;
  log?: (line: string) => void;
}

export interface HttpApiSession extends LocalHttpApi {
  /** The origin serverless.yml allows (param railsOrigin). */
  allowedOrigins: string[];
  audience: string;
}

/** How each serverless.yml handler is built in-process, from its environment. */
const BUILDERS: Record<
  string,
  (env: NodeJS.ProcessEnv, o: HttpApiSessionOptions) => Promise<RouteFunction | AuthorizerFunction>
> = {
  "handlers/authorizer.handler": async (env, o) => {
    const authorizer = authorizerFromEnv(env, (line) => o.log?.(line));
    const fn: AuthorizerFunction = async (event) => ({ ...(await authorizer.authorize(event)) });
    return fn;
  },
  "handlers/account-pipeline.handler": async (env, o) => accountPipelineHandlerFromEnv(env, o.dynamodb),
  "handlers/post-note.handler": (env, o) => postNoteHandlerFromEnv(env, o.kinesis),
};

/**
 * The HTTP API of serverless.yml served locally with the project's handlers: `kjp dev`, `npm start` and the
 * browser test use it. Each function gets the shared environment, its own serverless.yml environment, and the
 * session's keys in place of the SSM parameters serverless.yml names.
 */
export async function startHttpApiSession(o: HttpApiSessionOptions): Promise<HttpApiSession> {
  const definition = readHttpApiDefinition(join(projectRoot(), "serverless.yml"), {
    stage: o.stage,
    env: process.env,
  });
  const functions: Record<string, RouteFunction | AuthorizerFunction> = {};
  const used = new Set([
    ...definition.routes.map((r) => r.functionKey),
    ...Object.values(definition.authorizers).map((a) => a.functionKey),
  ]);
  let audience = "";
  for (const key of used) {
    const handler = definition.handlers[key] ?? "";
    const build = BUILDERS[handler];
    if (!build) {
      throw new ConfigurationError(
        `the local HTTP API cannot run ${key} (${handler})`,
        "add its builder to dev/http/http-api-session.ts",
      );
    }
    const env: NodeJS.ProcessEnv = {
      ...o.env,
      ...definition.functionEnv[key],
      KJP_ACCESS_ISSUERS: o.accessIssuers,
      KJP_HTTP_ISSUER: o.keys.issuer,
      KJP_HTTP_SIGNING_KEY: o.keys.signingKeySource,
    };
    audience ||= env.KJP_HTTP_AUDIENCE ?? "";
    functions[key] = await build(env, o);
  }
  const api = await startLocalHttpApi({
    definition,
    functions,
    port: o.port ?? 0,
    ...(o.log ? { log: o.log } : {}),
  });
  return { ...api, allowedOrigins: definition.cors?.allowedOrigins ?? [], audience };
}

import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import {
  getPath,
  isRecord,
  readServerlessYaml,
  resolveVariables,
  stageOf,
  type ServerlessConfig,
  type VariableContext,
} from "./serverless-yaml.js";

/**
 * serverless.yml's HTTP API as API Gateway would serve it: routes (method, path, function, authorizer),
 * request authorizers with their cache TTL, the CORS configuration, and each function's own environment.
 * The local HTTP server (dev/http/) reads it, so what runs locally is what is deployed.
 */
export interface HttpRoute {
  method: string;
  path: string;
  functionKey: string;
  handler: string;
  authorizer?: string;
}

export interface HttpAuthorizer {
  name: string;
  functionKey: string;
  /** e.g. `$request.header.Authorization`. */
  identitySource: string[];
  resultTtlInSeconds: number;
  enableSimpleResponses: boolean;
}

export interface HttpCors {
  allowedOrigins: string[];
  allowedHeaders: string[];
  allowedMethods: string[];
  maxAge?: number;
}

export interface HttpApiDefinition {
  routes: HttpRoute[];
  authorizers: Record<string, HttpAuthorizer>;
  cors?: HttpCors;
  /** Each function's `environment` (function level only), variables resolved; `!Ref` values left out. */
  functionEnv: Record<string, Record<string, string>>;
  handlers: Record<string, string>;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)];

export function readHttpApiDefinition(path: string, ctx: VariableContext = {}): HttpApiDefinition {
  return httpApiDefinitionFrom(readServerlessYaml(path), ctx);
}

export function httpApiDefinitionFrom(doc: ServerlessConfig, ctx: VariableContext = {}): HttpApiDefinition {
  const context = { ...ctx, stage: stageOf(doc, ctx) };
  const resolve = (v: unknown) => resolveVariables(doc, v, context);
  const httpApi = resolve(getPath(doc, "provider.httpApi") ?? {}) as Record<string, unknown>;
  const authorizers: Record<string, HttpAuthorizer> = {};
  for (const [name, raw] of Object.entries(isRecord(httpApi.authorizers) ? httpApi.authorizers : {})) {
    if (!isRecord(raw) || raw.type !== "request" || typeof raw.functionName !== "string") {
      throw new ConfigurationError(
        `httpApi authorizer ${name} is not a request authorizer with a functionName`,
        "the local HTTP API emulates Lambda request authorizers only",
      );
    }
    authorizers[name] = {
      name,
      functionKey: raw.functionName,
      identitySource: strings(raw.identitySource),
      resultTtlInSeconds: Number(raw.resultTtlInSeconds ?? 0),
      enableSimpleResponses: raw.enableSimpleResponses === true,
    };
  }
  const corsRaw = httpApi.cors;
  const cors: HttpCors | undefined = isRecord(corsRaw)
    ? {
        allowedOrigins: strings(corsRaw.allowedOrigins),
        allowedHeaders: strings(corsRaw.allowedHeaders).map((h) => h.toLowerCase()),
        allowedMethods: strings(corsRaw.allowedMethods).map((m) => m.toUpperCase()),
        ...(corsRaw.maxAge === undefined ? {} : { maxAge: Number(corsRaw.maxAge) }),
      }
    : undefined;

  const routes: HttpRoute[] = [];
  const functionEnv: Record<string, Record<string, string>> = {};
  const handlers: Record<string, string> = {};
  const functions = getPath(doc, "functions");
  for (const [key, fn] of Object.entries(isRecord(functions) ? functions : {})) {
    if (!isRecord(fn)) continue;
    handlers[key] = String(fn.handler);
    const env = resolve(fn.environment ?? {}) as Record<string, unknown>;
    functionEnv[key] = Object.fromEntries(
      Object.entries(env)
        .filter(([, v]) => typeof v === "string" || typeof v === "number")
        .map(([k, v]) => [k, String(v)]),
    );
    for (const event of (resolve(fn.events ?? []) as unknown[]) ?? []) {
      if (!isRecord(event) || !isRecord(event.httpApi)) continue;
      const e = event.httpApi;
      const authorizer = isRecord(e.authorizer) ? String(e.authorizer.name) : undefined;
      if (authorizer !== undefined && !authorizers[authorizer]) {
        throw new ConfigurationError(`function ${key}: httpApi authorizer ${authorizer} is not declared`);
      }
      routes.push({
        method: String(e.method).toUpperCase(),
        path: String(e.path),
        functionKey: key,
        handler: String(fn.handler),
        ...(authorizer === undefined ? {} : { authorizer }),
      });
    }
  }
  return { routes, authorizers, ...(cors ? { cors } : {}), functionEnv, handlers };
}

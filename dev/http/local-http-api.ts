import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";
import type { HttpApiDefinition } from "../service-definition/http-api.js";
import { authorizerEventV2, identityValues, incomingFrom, proxyEventV2 } from "./api-gateway-event.js";
import { preflightHeaders, responseCorsHeaders } from "./cors.js";
import { matchRoute } from "./route-match.js";

export type RouteFunction = (event: APIGatewayProxyEventV2) => Promise<{
  statusCode: number;
  headers?: Record<string, string | number | boolean>;
  body?: string;
  isBase64Encoded?: boolean;
}>;
export type AuthorizerFunction = (
  event: APIGatewayRequestAuthorizerEventV2,
) => Promise<{ isAuthorized: boolean; context?: Record<string, unknown> }>;

export interface LocalHttpApiOptions {
  definition: HttpApiDefinition;
  /** By serverless.yml function key. */
  functions: Record<string, RouteFunction | AuthorizerFunction>;
  host?: string;
  /** 0 (default): a free port. */
  port?: number;
  /** One line per request: method, path, status, ms. */
  log?: (line: string) => void;
  /** The largest request body API Gateway accepts is 10 MB; locally the same. */
  maxBodyBytes?: number;
}

export interface LocalHttpApi {
  url: string;
  /** How often each authorizer ran (cache misses): tests check the cache with it. */
  authorizerCalls: Record<string, number>;
  stop(): Promise<void>;
}

const MESSAGE = (statusCode: number, message: string) => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ message }),
});

/**
 * serverless.yml's HTTP API on this machine, with API Gateway's behaviour where the project depends on it:
 * route selection, payload format 2.0 events, request authorizers (401 without the identity source, 403 for
 * isAuthorized false, 500 when the authorizer fails, results cached per identity source for
 * resultTtlInSeconds), and CORS (preflights answered by the gateway, allow headers for allowed origins only).
 * The functions are the project's handlers, called in-process.
 */
export async function startLocalHttpApi(options: LocalHttpApiOptions): Promise<LocalHttpApi> {
  const { definition, functions } = options;
  const log = options.log ?? (() => undefined);
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const cache = new Map<string, { until: number; context: Record<string, unknown> }>();
  const authorizerCalls: Record<string, number> = {};

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer) {
    const started = Date.now();
    const http = incomingFrom(req, body);
    const origin = http.headers.origin;
    const send = (r: Awaited<ReturnType<RouteFunction>>, extra: Record<string, string> = {}) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
      res.writeHead(r.statusCode, { ...headers, ...extra });
      res.end(r.body === undefined ? undefined : Buffer.from(r.body, r.isBase64Encoded ? "base64" : "utf8"));
      log(`${http.method} ${http.rawPath} ${r.statusCode} ${Date.now() - started} ms`);
    };

    if (http.method === "OPTIONS" && definition.cors && http.headers["access-control-request-method"]) {
      send(
        { statusCode: 204 },
        preflightHeaders(definition.cors, origin, http.headers["access-control-request-method"]),
      );
      return;
    }
    const cors = responseCorsHeaders(definition.cors, origin);
    const matched = matchRoute(definition.routes, http.method, http.rawPath);
    if (!matched) return send(MESSAGE(404, "Not Found"), cors);
    const { route, pathParameters } = matched;
    const routeKey = `${route.method} ${route.path}`;

    let authorizerContext: Record<string, unknown> | undefined;
    if (route.authorizer) {
      const authorizer = definition.authorizers[route.authorizer]!;
      const identity = identityValues(http, authorizer.identitySource);
      if (!identity) return send(MESSAGE(401, "Unauthorized"), cors);
      const key = `${authorizer.name}\n${identity.join("\n")}`;
      const hit = cache.get(key);
      if (hit && hit.until > Date.now()) {
        authorizerContext = hit.context;
      } else {
        const fn = functions[authorizer.functionKey] as AuthorizerFunction | undefined;
        if (!fn) return send(MESSAGE(500, "Internal Server Error"), cors);
        authorizerCalls[authorizer.name] = (authorizerCalls[authorizer.name] ?? 0) + 1;
        let result: Awaited<ReturnType<AuthorizerFunction>>;
        try {
          result = await fn(authorizerEventV2(http, routeKey, identity, pathParameters));
        } catch (error) {
          log(`authorizer ${authorizer.name} failed: ${(error as Error).message}`);
          return send(MESSAGE(500, "Internal Server Error"), cors);
        }
        if (!result.isAuthorized) return send(MESSAGE(403, "Forbidden"), cors);
        authorizerContext = result.context ?? {};
        if (authorizer.resultTtlInSeconds > 0) {
          cache.set(key, {
            until: Date.now() + authorizer.resultTtlInSeconds * 1000,
            context: authorizerContext,
          });
        }
      }
    }
    const fn = functions[route.functionKey] as RouteFunction | undefined;
    if (!fn) return send(MESSAGE(500, "Internal Server Error"), cors);
    try {
      send(await fn(proxyEventV2(http, routeKey, pathParameters, authorizerContext)), cors);
    } catch (error) {
      log(`function ${route.functionKey} failed: ${(error as Error).message}`);
      send(MESSAGE(500, "Internal Server Error"), cors);
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBody) {
        res
          .writeHead(413, { "content-type": "application/json" })
          .end(JSON.stringify({ message: "Request Entity Too Large" }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (size <= maxBody) void handle(req, res, Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    authorizerCalls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

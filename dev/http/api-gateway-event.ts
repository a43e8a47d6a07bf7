import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";

export interface IncomingHttp {
  method: string;
  rawPath: string;
  rawQueryString: string;
  /** Lower-case names; repeated headers joined with commas, as API Gateway v2 does. */
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
  sourceIp: string;
  userAgent: string;
}

export function incomingFrom(req: IncomingMessage, body: Buffer): IncomingHttp {
  const url = new URL(req.url ?? "/", "http://local");
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined && k !== "cookie") headers[k] = Array.isArray(v) ? v.join(",") : v;
  }
  return {
    method: (req.method ?? "GET").toUpperCase(),
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    cookies: (req.headers.cookie ?? "")
      .split(";")
      .map((c) => c.trim())
      .filter(Boolean),
    body,
    sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
    userAgent: req.headers["user-agent"] ?? "",
  };
}

function requestContext(http: IncomingHttp, routeKey: string, stage: string) {
  const now = Date.now();
  return {
    accountId: "000000000000",
    apiId: "local",
    domainName: http.headers.host ?? "localhost",
    domainPrefix: "localhost",
    http: {
      method: http.method,
      path: http.rawPath,
      protocol: "HTTP/1.1",
      sourceIp: http.sourceIp,
      userAgent: http.userAgent,
    },
    requestId: randomUUID(),
    routeKey,
    stage,
    time: new Date(now).toUTCString(),
    timeEpoch: now,
  };
}

function queryParameters(raw: string): Record<string, string> | undefined {
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(raw)) out[k] = k in out ? `${out[k]},${v}` : v;
  return out;
}

/** The payload format 2.0 event API Gateway sends a Lambda integration. */
export function proxyEventV2(
  http: IncomingHttp,
  routeKey: string,
  pathParameters: Record<string, string>,
  authorizer: Record<string, unknown> | undefined,
  stage = "$default",
): APIGatewayProxyEventV2 {
  const textual =
    /json|text|xml|urlencoded/.test(http.headers["content-type"] ?? "") || http.body.length === 0;
  const event: Record<string, unknown> = {
    version: "2.0",
    routeKey,
    rawPath: http.rawPath,
    rawQueryString: http.rawQueryString,
    headers: http.headers,
    requestContext: {
      ...requestContext(http, routeKey, stage),
      ...(authorizer ? { authorizer: { lambda: authorizer } } : {}),
    },
    isBase64Encoded: !textual,
  };
  if (http.cookies.length > 0) event.cookies = http.cookies;
  const query = queryParameters(http.rawQueryString);
  if (query) event.queryStringParameters = query;
  if (Object.keys(pathParameters).length > 0) event.pathParameters = pathParameters;
  if (http.body.length > 0) event.body = textual ? http.body.toString("utf8") : http.body.toString("base64");
  return event as unknown as APIGatewayProxyEventV2;
}

/** The payload format 2.0 event API Gateway sends a Lambda request authorizer. */
export function authorizerEventV2(
  http: IncomingHttp,
  routeKey: string,
  identitySource: string[],
  pathParameters: Record<string, string>,
  stage = "$default",
): APIGatewayRequestAuthorizerEventV2 {
  const event: Record<string, unknown> = {
    version: "2.0",
    type: "REQUEST",
    routeArn: `arn:aws:execute-api:us-east-1:000000000000:local/${stage}/${routeKey.replace(" ", "")}`,
    identitySource,
    routeKey,
    rawPath: http.rawPath,
    rawQueryString: http.rawQueryString,
    headers: http.headers,
    requestContext: requestContext(http, routeKey, stage),
    pathParameters,
  };
  if (http.cookies.length > 0) event.cookies = http.cookies;
  const query = queryParameters(http.rawQueryString);
  if (query) event.queryStringParameters = query;
  return event as unknown as APIGatewayRequestAuthorizerEventV2;
}

/** `$request.header.Authorization` → the header's value; undefined when the request lacks it. */
export function identityValues(http: IncomingHttp, sources: string[]): string[] | undefined {
  const values: string[] = [];
  for (const source of sources) {
    const header = /^\$request\.header\.(.+)$/i.exec(source);
    const value = header ? http.headers[header[1]!.toLowerCase()] : undefined;
    if (value === undefined || value === "") return undefined;
    values.push(value);
  }
  return values;
}

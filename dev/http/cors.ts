import type { HttpCors } from "../service-definition/http-api.js";

/**
 * API Gateway's CORS handling for an HTTP API with a `cors` configuration: it answers preflights itself and
 * adds the allow headers to responses, but only for an allowed origin. For any other origin it answers without
 * them, so the browser refuses the call (the request still reaches nobody's code: preflights never do).
 */
export function preflightHeaders(
  cors: HttpCors | undefined,
  origin: string | undefined,
  requestMethod: string | undefined,
): Record<string, string> {
  if (!cors || !origin || !cors.allowedOrigins.includes(origin)) return {};
  if (!requestMethod || !cors.allowedMethods.includes(requestMethod.toUpperCase())) return {};
  return {
    "access-control-allow-origin": origin,
    "access-control-allow-methods": cors.allowedMethods.join(","),
    "access-control-allow-headers": cors.allowedHeaders.join(","),
    ...(cors.maxAge === undefined ? {} : { "access-control-max-age": String(cors.maxAge) }),
    vary: "origin",
  };
}

export function responseCorsHeaders(
  cors: HttpCors | undefined,
  origin: string | undefined,
): Record<string, string> {
  if (!cors || !origin || !cors.allowedOrigins.includes(origin)) return {};
  return { "access-control-allow-origin": origin, vary: "origin" };
}

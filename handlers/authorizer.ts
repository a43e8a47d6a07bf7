import type { APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";
import type { AuthorizerResult } from "../lib/http/authorizer.js";
import { authorizerFromEnv } from "./wiring/http.js";

/**
 * The HTTP API's Lambda authorizer (serverless.yml `httpApi.authorizers.accessToken`): verifies the browser's
 * access token with lib/envelope (ES256/EdDSA). Logic in lib/http/authorizer.ts; configuration checked at cold
 * start (handlers/wiring/http.ts).
 */
const authorizer = authorizerFromEnv(process.env);

export const handler = (event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> =>
  authorizer.authorize(event);

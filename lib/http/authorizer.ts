import { createHash } from "node:crypto";
import type { APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";
import type { AccessTokenVerifier } from "../envelope/access-token.js";
import { allowedContext, type AuthorizerContext } from "./authorizer-context.js";
import { bearerToken } from "./bearer.js";
import { ExpiringCache } from "./result-cache.js";

export interface AuthorizerResult {
  isAuthorized: boolean;
  context: AuthorizerContext;
}

export interface AuthorizerOptions {
  verifier: AccessTokenVerifier;
  /** In-memory cache of verified tokens, on top of API Gateway's own (serverless.yml's resultTtlInSeconds). */
  cacheSeconds: number;
  cacheEntries: number;
  nowMs?: () => number;
  /** One line per refusal: the reason and the unverified jti/kid, never the token. */
  onRefused?: (line: Record<string, unknown>) => void;
}

export interface Authorizer {
  authorize(event: Pick<APIGatewayRequestAuthorizerEventV2, "headers">): Promise<AuthorizerResult>;
}

/**
 * The HTTP API's Lambda authorizer (payload format 2.0, simple responses). Verifies the bearer access token
 * with lib/envelope; scopes and the account are checked per route by lib/http/guard.ts, because API Gateway
 * caches this result by token alone and reuses it for every route. Refusals are passed on as a `denied`
 * verdict (see authorizer-context.ts). A key set that cannot be fetched throws: the gateway answers 500 and
 * the browser retries, rather than a good token being refused.
 */
export function createAuthorizer(options: AuthorizerOptions): Authorizer {
  const nowMs = options.nowMs ?? Date.now;
  const cache = new ExpiringCache<AuthorizerContext>(options.cacheEntries);
  return {
    async authorize(event) {
      const token = bearerToken(event.headers);
      if (token === undefined) {
        return deny({ verdict: "denied", reason: "missing_token", detail: "no Authorization: Bearer token" });
      }
      // The key is a digest, so the cache never holds a usable token.
      const key = createHash("sha256").update(token).digest("base64url");
      const now = nowMs();
      const cached = options.cacheSeconds > 0 ? cache.get(key, now) : undefined;
      if (cached) return { isAuthorized: true, context: cached };
      const result = await options.verifier.verify(token, { now: Math.floor(now / 1000) });
      if (!result.ok) {
        const { reason, detail, unverified } = result.rejection;
        options.onRefused?.({
          reason,
          detail,
          jti: unverified?.jti,
          kid: unverified?.kid,
          iss: unverified?.iss,
        });
        return deny({ verdict: "denied", reason, detail });
      }
      const context = allowedContext(result.token);
      if (options.cacheSeconds > 0) {
        cache.set(key, context, Math.min(now + options.cacheSeconds * 1000, result.token.exp * 1000));
      }
      return { isAuthorized: true, context };
    },
  };
}

function deny(context: AuthorizerContext): AuthorizerResult {
  // Authorized as far as the gateway is concerned: the guard answers 401 with the reason (authorizer-context.ts).
  return { isAuthorized: true, context };
}

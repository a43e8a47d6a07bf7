import type { AccessClaims } from "../envelope/access-claims-policy.js";
import type { AccessRejectionReason } from "../envelope/access-token.js";

/**
 * What the authorizer hands API Gateway, which passes it to the route's function as
 * `requestContext.authorizer.lambda`. Flat strings and numbers only: that is all an HTTP API carries reliably.
 * A refused token is passed on as a verdict (not denied by the gateway) because an HTTP API's own 401/403
 * bodies are fixed: only the function can answer with the contract's reason code. Every route goes through
 * lib/http/guard.ts, which answers 401 before any route logic runs.
 */
export type AuthorizerContext =
  | {
      verdict: "allowed";
      iss: string;
      sub: string;
      account: string;
      /** Space-delimited, as in the token. */
      scope: string;
      jti: string;
      exp: number;
    }
  | { verdict: "denied"; reason: AccessRejectionReason | "missing_token"; detail: string };

export function allowedContext(claims: AccessClaims): AuthorizerContext {
  return {
    verdict: "allowed",
    iss: claims.iss,
    sub: claims.sub,
    account: claims.account,
    scope: claims.scopes.join(" "),
    jti: claims.jti,
    exp: claims.exp,
  };
}

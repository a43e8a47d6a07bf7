import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { AuthorizerContext } from "./authorizer-context.js";
import { refuse, type HttpResult } from "./responses.js";

/** The verified claims a route sees: what the token proved, nothing the request merely says. */
export interface Caller {
  iss: string;
  sub: string;
  account: string;
  scopes: ReadonlySet<string>;
  jti: string;
  exp: number;
}

export interface Route {
  /** The scope the token must carry, e.g. "pipeline:read". */
  scope: string;
  handle(event: APIGatewayProxyEventV2, caller: Caller): Promise<HttpResult>;
}

export type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<HttpResult>;

/** The authorizer's output as the function receives it (payload format 2.0, simple responses). */
function contextOf(event: APIGatewayProxyEventV2): Partial<AuthorizerContext> | undefined {
  const rc = event.requestContext as unknown as { authorizer?: { lambda?: Partial<AuthorizerContext> } };
  return rc.authorizer?.lambda;
}

/**
 * Every route's entry: refuses before the route runs, so no route can forget a check.
 * 401 + reason when the authorizer refused the token or none reached us; 401 `expired` when the token expired
 * while the gateway's cached result still says allowed (the cache TTL is not bound to exp); 403 `missing_scope`
 * when the token lacks the route's scope. The account check is the route's (only it knows the resource).
 */
export function guarded(route: Route, nowMs: () => number = Date.now): HttpHandler {
  return async (event) => {
    const ctx = contextOf(event);
    if (!ctx || ctx.verdict !== "allowed") {
      const denied = ctx?.verdict === "denied" ? ctx : undefined;
      return refuse(
        401,
        denied?.reason ?? "missing_token",
        denied?.detail ?? "the request carried no verified token",
      );
    }
    const { iss, sub, account, scope, jti } = ctx;
    const exp = Number(ctx.exp);
    if (![iss, sub, account, scope, jti].every((v) => typeof v === "string") || !Number.isFinite(exp)) {
      return refuse(401, "claims", "the authorizer's context is incomplete");
    }
    if (exp * 1000 < nowMs()) return refuse(401, "expired", `the token expired at ${exp}`);
    const scopes = new Set((scope as string).split(" ").filter(Boolean));
    if (!scopes.has(route.scope)) {
      return refuse(403, "missing_scope", `this route needs the scope "${route.scope}"`, {
        scope: route.scope,
      });
    }
    return route.handle(event, {
      iss: iss as string,
      sub: sub as string,
      account: account as string,
      scopes,
      jti: jti as string,
      exp,
    });
  };
}

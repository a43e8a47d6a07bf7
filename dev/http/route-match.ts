import type { HttpRoute } from "../service-definition/http-api.js";

export interface MatchedRoute {
  route: HttpRoute;
  pathParameters: Record<string, string>;
}

/**
 * API Gateway v2 route selection for the paths serverless.yml uses: literal segments and `{name}` parameters
 * (one segment each). A literal route wins over a parameterised one of the same shape.
 */
export function matchRoute(routes: HttpRoute[], method: string, path: string): MatchedRoute | undefined {
  const segments = path.split("/").slice(1);
  const candidates: (MatchedRoute & { literals: number })[] = [];
  for (const route of routes) {
    if (route.method !== method && route.method !== "ANY") continue;
    const pattern = route.path.split("/").slice(1);
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let literals = 0;
    const ok = pattern.every((p, i) => {
      const s = segments[i]!;
      const param = /^\{([^}+]+)\}$/.exec(p);
      if (param) {
        if (s === "") return false;
        params[param[1]!] = decodeURIComponent(s);
        return true;
      }
      literals++;
      return p === s;
    });
    if (ok) candidates.push({ route, pathParameters: params, literals });
  }
  candidates.sort((a, b) => b.literals - a.literals);
  const best = candidates[0];
  return best && { route: best.route, pathParameters: best.pathParameters };
}

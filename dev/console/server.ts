import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { KjpError } from "../../lib/errors/kjp-error.js";
import { allowedHost, COOKIE, newSecret, presentedToken, sameSecret } from "./access.js";
import { failureCounts, failures, keys, message, overview, startReplay, type ConsoleContext } from "./api.js";
import { FailuresQuery, KeysQuery, MessageQuery, OverviewQuery, ReplayRequest } from "./api-schemas.js";
import type { Assets } from "./assets.js";
import { ACTIVITY_STATUSES, FAILURE_STATUSES } from "./statuses.js";

export interface ConsoleServer {
  /** The URL to open, with the access token. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export interface ConsoleServerOptions {
  context: ConsoleContext;
  assets: Assets;
  /** 0 picks a free port. */
  port: number;
  /** Fixed secrets for tests; random by default. */
  token?: string;
  csrfToken?: string;
}

const SECURITY_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": "application/json; charset=utf-8",
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new HttpError(
    400,
    "bad_request",
    `${issue.path.join(".") || "request"}: ${issue.message}`,
    "see docs/console.md for the API",
  );
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new HttpError(413, "too_large", "request body above 64 KiB");
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "bad_request", "the body is not JSON");
  }
}

/**
 * The console's HTTP server, on 127.0.0.1 only. Order of checks for every request: Host is ours (else 403),
 * the access token (else 401), then for a POST the CSRF token (else 403) and the replay permission (else 403).
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const ctx = options.context;
  const token = options.token ?? newSecret();
  const csrfToken = options.csrfToken ?? newSecret();
  let port = options.port;

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const query = Object.fromEntries(url.searchParams);
    delete query.token;
    const path = url.pathname;
    if (req.method === "GET") {
      if (path === "/" || path === "/app.js" || path === "/style.css") {
        const type = path === "/" ? "text/html" : path === "/app.js" ? "text/javascript" : "text/css";
        const headers: Record<string, string> = {
          ...SECURITY_HEADERS,
          "content-type": `${type}; charset=utf-8`,
        };
        if (url.searchParams.has("token")) {
          // First visit with the printed URL: remember the token in a cookie and drop it from the address bar.
          headers["set-cookie"] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
          if (path === "/") {
            res.writeHead(303, { ...headers, location: "/" });
            return res.end();
          }
        }
        res.writeHead(200, headers);
        return res.end(options.assets[path]);
      }
      if (path === "/api/session")
        return send(res, 200, {
          csrfToken,
          allowReplay: ctx.allowReplay,
          ledgerTable: ctx.ledgerTable,
          streamName: ctx.streamName ?? null,
          statuses: { activity: ACTIVITY_STATUSES, failures: FAILURE_STATUSES },
        });
      if (path === "/api/overview") return send(res, 200, await overview(ctx, parse(OverviewQuery, query)));
      if (path === "/api/failures") return send(res, 200, await failures(ctx, parse(FailuresQuery, query)));
      if (path === "/api/failures/counts")
        return send(res, 200, await failureCounts(ctx, parse(FailuresQuery, query)));
      if (path === "/api/message") {
        const found = await message(ctx, parse(MessageQuery, query));
        return send(res, found.found ? 200 : 404, found);
      }
      if (path === "/api/keys") return send(res, 200, await keys(ctx, parse(KeysQuery, query)));
      const job = /^\/api\/replay\/([0-9a-f-]{36})$/.exec(path);
      if (job) {
        const found = ctx.jobs.get(job[1]!);
        if (!found) throw new HttpError(404, "not_found", "no such replay");
        return send(res, 200, found);
      }
    }
    if (req.method === "POST" && path === "/api/replay") {
      if (!sameSecret(req.headers["x-csrf-token"] as string | undefined, csrfToken))
        throw new HttpError(403, "csrf", "missing or wrong CSRF token", "reload the page");
      if (!ctx.allowReplay)
        throw new HttpError(
          403,
          "read_only",
          "this console is read-only",
          "start it with kjp console --allow-replay",
        );
      const body = parse(ReplayRequest, await jsonBody(req));
      if (!body.dryRun && ctx.jobs.writing())
        throw new HttpError(409, "busy", "a replay is already running", "wait for it to finish");
      return send(res, 202, startReplay(ctx, body));
    }
    throw new HttpError(404, "not_found", `no route ${req.method ?? ""} ${path}`);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
    if (!allowedHost(req.headers.host, port))
      return send(res, 403, { error: "bad_host", message: "the console answers on 127.0.0.1 only" });
    if (!sameSecret(presentedToken(url, req.headers), token))
      return send(res, 401, {
        error: "unauthorized",
        message: "missing or wrong access token",
        hint: "open the URL kjp console printed (it carries ?token=…)",
      });
    route(req, res, url).catch((error: unknown) => {
      if (res.headersSent) return res.end();
      if (error instanceof HttpError)
        return send(res, error.status, {
          error: error.code,
          message: error.message,
          ...(error.hint ? { hint: error.hint } : {}),
        });
      if (error instanceof KjpError)
        return send(res, error.retryable ? 503 : 400, {
          error: error.code,
          message: error.message,
          ...(error.hint ? { hint: error.hint } : {}),
        });
      return send(res, 500, {
        error: "internal",
        message: error instanceof Error ? error.message : String(error),
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

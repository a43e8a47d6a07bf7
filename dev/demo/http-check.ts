import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { JWK } from "jose";
import { createAccessTokenSigner } from "../../lib/envelope/sign-access-token.js";
import { DEMO_ISSUERS } from "./demo-keys.js";

export interface HttpCheckOptions {
  /** The local HTTP API. */
  url: string;
  /** The HTTP API's audience. */
  audience: string;
  /** The demo's keys folder: the Rails stand-in's private key issues the access token. */
  keysDir: string;
  /** The origin the API allows (what a browser on the Rails page would send). */
  origin: string;
  log: (line: string) => void;
  timeoutMs?: number;
}

export interface HttpCheckResult {
  ok: boolean;
  /** From the 202 of POST /notes to the note showing in GET /accounts/{id}/pipeline. */
  appliedMs?: number;
}

/**
 * The demo's HTTP path: what a browser with a Rails-issued access token does. Reads the account's pipeline,
 * posts a note (202 at once) and waits until the queue path has applied it, and shows two refusals.
 */
export async function exerciseHttpApi(o: HttpCheckOptions): Promise<HttpCheckResult> {
  const privateJwk = JSON.parse(readFileSync(join(o.keysDir, "private.crm.json"), "utf8")) as JWK;
  const signer = await createAccessTokenSigner({
    privateJwk,
    issuer: DEMO_ISSUERS.crm,
    audience: o.audience,
  });
  const account = "acc_HTTPDEMO1";
  const user = "usr_HTTPDEMO1";
  const token = await signer.sign({ sub: user, account, scopes: ["pipeline:read", "notes:write"] });
  const call = (path: string, init: RequestInit = {}, bearer: string | null = token) =>
    fetch(`${o.url}${path}`, {
      ...init,
      headers: {
        origin: o.origin,
        "content-type": "application/json",
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
    });

  const missing = await call(`/accounts/${account}/pipeline`, {}, null);
  const other = await call(`/accounts/acc_SOMEONE9/pipeline`);
  const otherBody = (await other.json()) as { error?: string };
  const noteId = `note_HTTP${Date.now().toString(36).toUpperCase()}`;
  const note = {
    noteId,
    accountId: account,
    authorId: user,
    body: "Posted from the HTTP path of the demo.",
    mentions: [],
    createdAt: new Date().toISOString(),
    notify: false,
  };
  const posted = await call("/notes", { method: "POST", body: JSON.stringify(note) });
  const postedAt = Date.now();
  const { jti } = (await posted.json()) as { jti?: string };
  let appliedMs: number | undefined;
  const deadline = postedAt + (o.timeoutMs ?? 20_000);
  while (posted.status === 202 && Date.now() < deadline) {
    const view = (await (await call(`/accounts/${account}/pipeline`)).json()) as {
      notes?: { noteId: string }[];
    };
    if (view.notes?.some((n) => n.noteId === noteId)) {
      appliedMs = Date.now() - postedAt;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  o.log(`HTTP API at ${o.url} (the browser path, with an access token as the Rails app issues it):`);
  o.log(`  GET /accounts/${account}/pipeline without a token: ${missing.status}`);
  o.log(`  GET another account's pipeline: ${other.status} ${otherBody.error ?? ""}`);
  o.log(
    `  POST /notes: ${posted.status} (jti ${jti ?? "-"}); ` +
      (appliedMs === undefined
        ? "NOT applied by the consumer in time"
        : `applied by the queue path ${appliedMs} ms later`),
  );
  const ok =
    missing.status === 401 && other.status === 403 && posted.status === 202 && appliedMs !== undefined;
  return { ok, ...(appliedMs === undefined ? {} : { appliedMs }) };
}

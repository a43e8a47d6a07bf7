import { readFile } from "node:fs/promises";
import { KjpError } from "../../errors/kjp-error.js";
import { parseJwks } from "./jwks.js";
import { DEFAULT_REFRESH_OPTIONS, type JwksFetcher } from "./refreshing-key-set.js";
import { httpJwks, secretsManagerJwks, ssmJwks } from "./remote-sources.js";

/** What an operator sees of one issuer's key set: where it comes from and the public keys it holds now. */
export interface KeySetDescription {
  issuer: string;
  /** The source as configured; a literal JWKS is shown as "literal JWKS" (it can be long). */
  source: string;
  kind: "file" | "env" | "ssm" | "secretsmanager" | "https" | "literal";
  keys: Array<{ kid: string; alg: string; kty: string; crv?: string }>;
  /** ms since epoch of the read these keys came from. */
  fetchedAt: number;
  problem?: string;
}

type Kind = KeySetDescription["kind"];

function kindOf(source: string): Kind | undefined {
  if (source.startsWith("{")) return "literal";
  for (const kind of ["file", "env", "ssm", "secretsmanager"] as const)
    if (source.startsWith(`${kind}:`)) return kind;
  if (source.startsWith("https://") || source.startsWith("http://")) return "https";
  return undefined;
}

function reader(kind: Kind, source: string, env: NodeJS.ProcessEnv): JwksFetcher {
  const rest = source.slice(source.indexOf(":") + 1);
  switch (kind) {
    case "literal":
      return async () => source;
    case "file":
      return async () => readFile(rest, "utf8");
    case "env":
      return async () => {
        const text = env[rest];
        if (!text) throw new Error(`environment variable ${rest} is not set`);
        return text;
      };
    case "ssm":
      return ssmJwks(rest);
    case "secretsmanager":
      return secretsManagerJwks(rest);
    case "https":
      return httpJwks(new URL(source));
  }
}

/**
 * Reads an issuer's key set from its source now (the same sources and size limit as the consumer's key sets)
 * and lists its public keys. Never throws for a source that cannot be read: the problem is part of the
 * description, so one broken issuer does not hide the others.
 */
export async function describeKeySet(
  issuer: string,
  source: string,
  env: NodeJS.ProcessEnv,
  now: () => number = Date.now,
): Promise<KeySetDescription> {
  const trimmed = source.trim();
  const kind = kindOf(trimmed);
  const shown = kind === "literal" ? "literal JWKS" : trimmed;
  const base: KeySetDescription = {
    issuer,
    source: shown,
    kind: kind ?? "literal",
    keys: [],
    fetchedAt: now(),
  };
  if (!kind) return { ...base, problem: "the key set source is not recognised" };
  try {
    const signal = AbortSignal.timeout(DEFAULT_REFRESH_OPTIONS.fetchTimeoutMs);
    const text = await reader(kind, trimmed, env)(signal, DEFAULT_REFRESH_OPTIONS.maxBytes);
    const keys = parseJwks(text, shown).map(({ kid, alg, jwk }) => ({
      kid,
      alg,
      kty: String(jwk.kty),
      ...(jwk.crv ? { crv: jwk.crv } : {}),
    }));
    return { ...base, keys, fetchedAt: now() };
  } catch (error) {
    return {
      ...base,
      problem: error instanceof KjpError || error instanceof Error ? error.message : String(error),
    };
  }
}

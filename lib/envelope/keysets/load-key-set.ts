import { readFileSync } from "node:fs";
import { ConfigurationError } from "../../errors/kjp-error.js";
import type { KeySet } from "./key-set.js";
import { JwksProblem, parseJwks } from "./jwks.js";
import { createRefreshingKeySet, type RefreshOptions } from "./refreshing-key-set.js";
import { httpJwks, isLoopback, secretsManagerJwks, ssmJwks } from "./remote-sources.js";
import { createStaticKeySet } from "./static-key-set.js";

/** How remote key sets are cached and refreshed (`now` is an injected clock for tests). */
export type LoadKeySetOptions = RefreshOptions;

export const KEY_SET_SOURCE_FORMS =
  'a path to a jwks.json, "file:PATH", "env:VAR", "ssm:/param/name", "secretsmanager:SECRET_ID", "https://host/jwks.json", or literal JWKS JSON';

/**
 * A source with no scheme is a file path, the same everywhere (`--keys`, KJP_ISSUERS): `keys/jwks.json` is
 * `file:keys/jwks.json`. Anything shaped like `scheme:` stays a scheme, so a mistyped one (`ssn:/x`) is
 * reported as unrecognised instead of as a missing file.
 */
export function normaliseKeySetSource(source: string): string {
  const trimmed = source.trim();
  if (trimmed.startsWith("{") || /^[a-z][a-z0-9+.-]*:/i.test(trimmed)) return trimmed;
  return `file:${trimmed}`;
}

/**
 * Builds a key set from a source URI (or a bare path, read as `file:`). Local sources (file, env, literal JSON) are read and checked now, so a
 * bad one fails at start-up with a ConfigurationError; remote sources are fetched on first use and cached.
 */
export function loadKeySet(source: string, options: LoadKeySetOptions = {}): KeySet {
  const trimmed = normaliseKeySetSource(source);
  if (trimmed.startsWith("{")) return staticFrom(trimmed, "the literal JWKS");
  if (trimmed.startsWith("file:")) {
    const path = trimmed.slice("file:".length);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (cause) {
      throw new ConfigurationError(
        `key set file ${path} cannot be read`,
        "check the path in the key set source",
        cause,
      );
    }
    return staticFrom(text, `key set file ${path}`);
  }
  if (trimmed.startsWith("env:")) {
    const name = trimmed.slice("env:".length);
    const text = process.env[name];
    if (text === undefined || text === "") {
      throw new ConfigurationError(
        `environment variable ${name} (key set) is not set`,
        `set ${name} to the JWKS JSON`,
      );
    }
    return staticFrom(text, `key set in $${name}`);
  }
  if (trimmed.startsWith("ssm:")) {
    const name = trimmed.slice("ssm:".length);
    if (!name) throw new ConfigurationError(`key set source "${source}" names no SSM parameter`);
    return createRefreshingKeySet(`SSM parameter ${name}`, ssmJwks(name), options);
  }
  if (trimmed.startsWith("secretsmanager:")) {
    const id = trimmed.slice("secretsmanager:".length);
    if (!id) throw new ConfigurationError(`key set source "${source}" names no secret`);
    return createRefreshingKeySet(`secret ${id}`, secretsManagerJwks(id), options);
  }
  if (trimmed.startsWith("https://") || trimmed.startsWith("http://")) {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch (cause) {
      throw new ConfigurationError(`key set URL "${source}" is not a valid URL`, undefined, cause);
    }
    if (url.protocol === "http:" && !isLoopback(url)) {
      throw new ConfigurationError(
        `key set URL ${url.href} is plain http`,
        "use https (plain http only for localhost)",
      );
    }
    return createRefreshingKeySet(url.href, httpJwks(url), options);
  }
  throw new ConfigurationError(
    `key set source "${truncate(source)}" is not recognised`,
    `use one of ${KEY_SET_SOURCE_FORMS}`,
  );
}

function staticFrom(text: string, where: string): KeySet {
  try {
    return createStaticKeySet(parseJwks(text, where));
  } catch (error) {
    if (error instanceof JwksProblem) throw new ConfigurationError(error.message, "fix the JWKS (RFC 7517)");
    throw error;
  }
}

// A literal source may be a whole JWKS: never echo all of it into logs.
function truncate(source: string): string {
  return source.length > 60 ? `${source.slice(0, 57)}...` : source;
}

import { readFile } from "node:fs/promises";
import type { JWK } from "jose";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import { wholeNumberSetting } from "../../lib/config/env.js";
import { DEFAULT_MAX_LIFETIME_SEC } from "../../lib/envelope/limits.js";

/** Parsing helpers shared by `kjp sign` and `kjp verify`; every problem is a usage error (exit code 2). */

export function parsePositiveInt(text: string, option: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new ConfigurationError(`${option} "${text}" is not a positive integer`);
  return n;
}

export function parseJsonObject(text: string, option: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ConfigurationError(
      `${option} is not valid JSON`,
      `pass a JSON object, e.g. ${option} '{"id":"x"}'`,
      cause,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigurationError(`${option} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

export async function readPrivateJwk(path: string): Promise<JWK> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new ConfigurationError(
      `cannot read the key file ${path}`,
      "generate one with `kjp keys generate`",
      cause,
    );
  }
  try {
    return JSON.parse(text) as JWK;
  } catch (cause) {
    throw new ConfigurationError(`key file ${path} is not JSON`, undefined, cause);
  }
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("latin1");
}

/**
 * A token lifetime the consumer will accept: above its maximum (KJP_MAX_LIFETIME_S, default 8 days) the token
 * would be rejected as `claims` on arrival, so signing it is refused here instead of failing later, silently.
 */
export function consumerAcceptedTtl(
  ttlSeconds: number,
  option: string,
  text: string,
  env: NodeJS.ProcessEnv,
): number {
  const max = wholeNumberSetting(
    env,
    "KJP_MAX_LIFETIME_S",
    DEFAULT_MAX_LIFETIME_SEC,
    0,
    undefined,
    "seconds",
  );
  if (ttlSeconds > max)
    throw new ConfigurationError(
      `${option} ${text} (${ttlSeconds} s) is longer than the consumer's maximum token lifetime of ${max} s: it would be rejected as \`claims\``,
      `use ${option} ${Math.floor(max / 86_400) >= 1 ? `${Math.floor(max / 86_400)}d` : `${max}s`} or less (the consumer's limit is KJP_MAX_LIFETIME_S)`,
    );
  return ttlSeconds;
}

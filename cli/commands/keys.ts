import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Option, type Command } from "commander";
import type { JWK } from "jose";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";

export interface KeysCommandDeps {
  out: (text: string) => void;
}

// The kid becomes a file name: keep it to characters that cannot climb out of the directory.
const KID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** `kjp keys generate`: a new signing key pair, the public half added to DIR/jwks.json for rotation. */
export function register(program: Command, deps: Partial<KeysCommandDeps> = {}): void {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const keys = program
    .command("keys")
    .description("signing keys: generate key pairs and maintain the public jwks.json");
  keys
    .command("generate")
    .description(
      "generate a key pair: DIR/<kid>.private.jwk.json (mode 0600, give it only to the producer) and the public key " +
        "appended to DIR/jwks.json (give that to consumers; earlier keys stay, so rotation needs no downtime)",
    )
    .addOption(
      new Option("--alg <alg>", "signature algorithm").choices(["ES256", "EdDSA"]).makeOptionMandatory(),
    )
    .requiredOption(
      "--kid <kid>",
      "key id, unique within the key set (letters, digits, . _ -), e.g. crm-2026-11",
    )
    .requiredOption("--out <dir>", "directory for the private key and jwks.json (created if missing)")
    .action(async (opts: { alg: "ES256" | "EdDSA"; kid: string; out: string }) => {
      if (!KID_PATTERN.test(opts.kid)) {
        throw new ConfigurationError(
          `--kid "${opts.kid}" is not a valid key id`,
          "use 1-128 letters, digits, '.', '_' or '-'",
        );
      }
      const dir = resolve(opts.out);
      await mkdir(dir, { recursive: true });
      const jwksPath = join(dir, "jwks.json");
      const existing = await readJwks(jwksPath);
      if (existing.some((k) => k.kid === opts.kid)) {
        throw new ConfigurationError(
          `${jwksPath} already has a key with kid "${opts.kid}"`,
          "choose a new kid for the new key",
        );
      }
      const { generateSigningKey } = await import("../../lib/envelope/signing-keys.js");
      const { privateJwk, publicJwk } = await generateSigningKey(opts.alg, opts.kid);
      const privatePath = join(dir, `${opts.kid}.private.jwk.json`);
      try {
        // "wx": never overwrite an existing private key, that would orphan every token it signed.
        await writeFile(privatePath, JSON.stringify(privateJwk, null, 2) + "\n", { mode: 0o600, flag: "wx" });
      } catch (cause) {
        throw new ConfigurationError(
          `cannot write ${privatePath}: ${(cause as Error).message}`,
          "choose a new kid or another --out",
          cause,
        );
      }
      const tmp = `${jwksPath}.${randomBytes(4).toString("hex")}.tmp`;
      await writeFile(tmp, JSON.stringify({ keys: [...existing, publicJwk] }, null, 2) + "\n", {
        mode: 0o644,
      });
      await rename(tmp, jwksPath);
      out(
        `private key: ${privatePath} (mode 0600; keep it secret, give it only to the producer)\n` +
          `public keys: ${jwksPath} (${existing.length + 1} key${existing.length === 0 ? "" : "s"}; give it to consumers)\n`,
      );
    });
}

async function readJwks(path: string): Promise<JWK[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new ConfigurationError(`${path} is not JSON`, "fix or move the file", cause);
  }
  const keys = (doc as { keys?: unknown })?.keys;
  if (!Array.isArray(keys))
    throw new ConfigurationError(`${path} is not a JWKS ({"keys":[...]})`, "fix or move the file");
  return keys as JWK[];
}

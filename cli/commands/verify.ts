import type { Command } from "commander";
import type { PayloadValidator } from "../../lib/envelope/types.js";
import { ConfigurationError, KjpError } from "../../lib/errors/kjp-error.js";
import { parseDuration } from "../../lib/config/env.js";
import { parsePositiveInt, readAll } from "./cli-input.js";

export interface VerifyCommandDeps {
  out: (text: string) => void;
  err: (text: string) => void;
  stdin: NodeJS.ReadableStream;
  validator: PayloadValidator;
}

export const EXIT_ACCEPTED = 0;
export const EXIT_REJECTED = 1;
export const EXIT_USAGE = 2;

/** `kjp verify`: one JSON line with the outcome; exit 0 accepted, 1 rejected, 2 usage/configuration problem. */
export function register(program: Command, deps: Partial<VerifyCommandDeps> = {}): void {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const err = deps.err ?? ((text: string) => void process.stderr.write(text));
  program
    .command("verify")
    .description(
      'verify one token as the consumer would; prints {"outcome","reason","detail","message"} and exits ' +
        "0 when accepted, 1 when rejected, 2 on a usage or configuration error",
    )
    .requiredOption(
      "--keys <source>",
      "trusted public keys: a jwks.json path, file:PATH, env:VAR, ssm:/name, secretsmanager:ID, https://…/jwks.json",
    )
    .requiredOption("--issuer <iss>", "the trusted issuer these keys belong to")
    .requiredOption("--audience <aud>", "this pipeline's name (aud)")
    .option("--data <token>", "the token (default: read from stdin)")
    .option("--allow-hs256", "also accept HS256 tokens (shared-secret keys)", false)
    .option("--now <seconds>", "verify as of this Unix time (default: now)")
    .option("--exp-grace <duration>", "replay horizon: accept tokens this long past exp, e.g. 14d")
    .action(
      async (opts: {
        keys: string;
        issuer: string;
        audience: string;
        data?: string;
        allowHs256: boolean;
        now?: string;
        expGrace?: string;
      }) => {
        // Loaded when the command runs, so `kjp --help` and the other commands do not pay for jose and Zod.
        const { loadKeySet } = await import("../../lib/envelope/keysets/load-key-set.js");
        const { createVerifier } = await import("../../lib/envelope/verify.js");
        const keySet = loadKeySet(opts.keys);
        const verifier = createVerifier({
          audience: opts.audience,
          issuers: [{ issuer: opts.issuer, keySet }],
          validator: deps.validator ?? (await import("../../schemas/index.js")).registry,
          allowHS256: opts.allowHs256,
        });
        // Only stdin is trimmed: `echo TOKEN | kjp verify` adds a newline; --data is verified exactly as given.
        const token = opts.data ?? (await readAll(deps.stdin ?? process.stdin)).trim();
        if (token === "")
          throw new ConfigurationError("no token given", "pass --data TOKEN or pipe the token on stdin");
        const verifyOptions = {
          ...(opts.now === undefined ? {} : { now: parsePositiveInt(opts.now, "--now") }),
          ...(opts.expGrace === undefined
            ? {}
            : { expGraceSec: parseDuration(opts.expGrace, "--exp-grace") }),
        };
        let result;
        try {
          result = await verifier.verify(token, verifyOptions);
        } catch (error) {
          // A key set that cannot be fetched says nothing about the token: not a rejection.
          if (error instanceof KjpError) {
            err(`kjp: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ""}\n`);
            process.exitCode = EXIT_USAGE;
            return;
          }
          throw error;
        }
        if (result.ok) {
          out(
            JSON.stringify({ outcome: "accepted", reason: null, detail: null, message: result.message }) +
              "\n",
          );
          process.exitCode = EXIT_ACCEPTED;
        } else {
          const { reason, detail, issues, unverified } = result.rejection;
          const line = {
            outcome: "rejected",
            reason,
            detail,
            message: unverified ?? null,
            ...(issues ? { issues } : {}),
          };
          out(JSON.stringify(line) + "\n");
          process.exitCode = EXIT_REJECTED;
        }
      },
    );
}

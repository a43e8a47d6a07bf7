import type { Command } from "commander";
import { ConfigurationError, KjpError } from "../../lib/errors/kjp-error.js";
import { parseDuration } from "../../lib/config/env.js";
import { consumerAcceptedTtl, parseJsonObject, parsePositiveInt, readPrivateJwk } from "./cli-input.js";

export interface SignCommandDeps {
  out: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** `kjp sign`: prints one compact token for the message described by the options. */
export function register(program: Command, deps: Partial<SignCommandDeps> = {}): void {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const env = deps.env ?? process.env;
  program
    .command("sign")
    .description("sign one message (envelope contract v1) and print the compact JWS token")
    .requiredOption("--key <file>", "the producer's private JWK file (from `kjp keys generate`)")
    .requiredOption("--issuer <iss>", "producer id (iss), e.g. crm-rails")
    .requiredOption("--audience <aud>", "pipeline name (aud), e.g. crm-pipeline")
    .requiredOption("--type <type>", "lowercase dotted message type, e.g. contact.upserted")
    .requiredOption("--v <n>", "schema version of data (positive integer)")
    .requiredOption("--data <json>", "the payload, a JSON object")
    .option(
      "--sub <sub>",
      "the entity the message is about, e.g. an account id (also the natural partition key)",
    )
    .option(
      "--ttl <duration>",
      "lifetime: 7d, 12h, 30m, 90s or seconds (at most the consumer's maximum, 8d by default)",
      "7d",
    )
    .option("--jti <id>", "message id (default: a new UUIDv7)")
    .action(
      async (opts: {
        key: string;
        issuer: string;
        audience: string;
        type: string;
        v: string;
        data: string;
        sub?: string;
        ttl: string;
        jti?: string;
      }) => {
        const ttlSeconds = consumerAcceptedTtl(parseDuration(opts.ttl, "--ttl"), "--ttl", opts.ttl, env);
        const v = parsePositiveInt(opts.v, "--v");
        const data = parseJsonObject(opts.data, "--data");
        const privateJwk = await readPrivateJwk(opts.key);
        const { createSigner } = await import("../../lib/envelope/sign.js");
        try {
          const signer = await createSigner({
            privateJwk,
            issuer: opts.issuer,
            audience: opts.audience,
            ttlSeconds,
          });
          const input = {
            type: opts.type,
            v,
            data,
            ...(opts.sub === undefined ? {} : { sub: opts.sub }),
            ...(opts.jti === undefined ? {} : { jti: opts.jti }),
          };
          out(`${await signer.sign(input)}\n`);
        } catch (error) {
          // Bad key or bad message: the user has to change the command, so it is a usage error (exit 2).
          if (error instanceof KjpError && !(error instanceof ConfigurationError)) {
            throw new ConfigurationError(error.message, error.hint, error);
          }
          throw error;
        }
      },
    );
}

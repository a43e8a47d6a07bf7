import type { Command } from "commander";
import { optionalSetting, parseDuration } from "../../lib/config/env.js";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import { readPrivateJwk } from "./cli-input.js";

export interface AccessTokenCommandDeps {
  out: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/**
 * `kjp access-token`: a browser access token as the Rails app issues it (the gem's
 * `KinesisJwtPipeline.access_token`), for calling the HTTP API from a shell. Defaults come from the session
 * environment `kjp dev` prints (KJP_SIGNING_KEY, KJP_ISSUER, KJP_HTTP_AUDIENCE).
 */
export function register(program: Command, deps: Partial<AccessTokenCommandDeps> = {}): void {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const env = deps.env ?? process.env;
  program
    .command("access-token")
    .description("issue a short-lived browser access token for the HTTP API (typ kjp-access+jwt)")
    .requiredOption("--sub <user>", "the user the token is for")
    .requiredOption("--account <id>", "the one account the token may reach")
    .option("--scope <scopes>", "space-separated scopes", "pipeline:read notes:write")
    .option("--ttl <duration>", "lifetime, at most 1h: 5m, 90s or seconds", "5m")
    .option("--key <file>", "the issuer's private JWK file (default KJP_SIGNING_KEY)")
    .option("--issuer <iss>", "issuer (default KJP_ISSUER)")
    .option("--audience <aud>", "the HTTP API's audience (default KJP_HTTP_AUDIENCE)")
    .action(
      async (opts: {
        sub: string;
        account: string;
        scope: string;
        ttl: string;
        key?: string;
        issuer?: string;
        audience?: string;
      }) => {
        const need = (value: string | undefined, option: string, setting: string) => {
          const v = value ?? optionalSetting(env, setting);
          if (!v)
            throw new ConfigurationError(
              `${option} is missing`,
              `pass ${option} or set ${setting} (kjp dev prints it)`,
            );
          return v;
        };
        const { createAccessTokenSigner } = await import("../../lib/envelope/sign-access-token.js");
        const signer = await createAccessTokenSigner({
          privateJwk: await readPrivateJwk(need(opts.key, "--key", "KJP_SIGNING_KEY")),
          issuer: need(opts.issuer, "--issuer", "KJP_ISSUER"),
          audience: need(opts.audience, "--audience", "KJP_HTTP_AUDIENCE"),
        });
        const token = await signer.sign({
          sub: opts.sub,
          account: opts.account,
          scopes: opts.scope.split(" ").filter(Boolean),
          ttlSeconds: parseDuration(opts.ttl, "--ttl"),
        });
        out(`${token}\n`);
      },
    );
}

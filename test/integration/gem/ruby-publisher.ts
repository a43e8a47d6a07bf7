import { execFile, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../../lib/util/project-root.js";
import type { GemMessage } from "./gem-messages.js";

/** Runs producers/ruby/script/e2e-publish: the Rails gem publishing, from the test's point of view. */

const GEM_DIR = join(projectRoot(), "producers", "ruby");
/** e2e-publish calls the gem directly; e2e-rails-requests sends HTTP requests to the gem's test Rails app. */
export type GemPublisherScript = "e2e-publish" | "e2e-rails-requests";
const INSTALL_HINT =
  "install it with producers/ruby/script/install-deps (Debian packages: ruby ruby-jwt ruby-rbnacl); CI does this first";

/**
 * Fails with a clear message when Ruby or a gem the test needs is missing: this test is never skipped.
 * `ruby -e` exits 0 only when the gem loads and, with rbnacl, can make an Ed25519 key (libsodium present).
 */
export function requireRuby(): string {
  const probe = spawnSync(
    "ruby",
    [
      "-I",
      join(GEM_DIR, "lib"),
      "-e",
      'require "kinesis_jwt_pipeline"; KinesisJwtPipeline::SigningKey.generate(alg: "EdDSA", kid: "probe"); print RUBY_VERSION',
    ],
    { encoding: "utf8", timeout: 15_000 },
  );
  if (probe.error) {
    throw new Error(`Ruby is not available (${probe.error.message}): ${INSTALL_HINT}`);
  }
  if (probe.status !== 0) {
    throw new Error(
      `Ruby cannot load the gem with ES256 and EdDSA support (exit ${probe.status}): ${probe.stderr.trim()}\n${INSTALL_HINT}`,
    );
  }
  return probe.stdout.trim();
}

export interface GemPublishOptions {
  endpoint: string;
  streamName: string;
  issuer: string;
  audience: string;
  /** Path of the private JWK the gem signs with. */
  keyPath: string;
  /** Folder for the JSON-lines input file. */
  workDir: string;
  messages: readonly GemMessage[];
  timeoutSeconds?: number;
  /** Default e2e-publish. */
  script?: GemPublisherScript;
}

/** What the script printed for one message, in input order. */
export interface PublishedMessage {
  jti: string;
  type: string;
  partition_key: string;
}

/** Publishes through the gem and resolves with the jtis once every message is acknowledged; rejects otherwise. */
export function publishWithGem(options: GemPublishOptions): Promise<PublishedMessage[]> {
  const input = join(options.workDir, `messages-${options.issuer}.jsonl`);
  writeFileSync(input, `${options.messages.map((m) => JSON.stringify(m)).join("\n")}\n`);
  const timeout = options.timeoutSeconds ?? 15;
  const script = options.script ?? "e2e-publish";
  const args = [
    "-I",
    join(GEM_DIR, "lib"),
    "-I",
    join(GEM_DIR, "test", "support"),
    join(GEM_DIR, "script", script),
    "--endpoint",
    options.endpoint,
    "--stream",
    options.streamName,
    "--issuer",
    options.issuer,
    "--audience",
    options.audience,
    "--key",
    options.keyPath,
    "--messages",
    input,
    "--timeout",
    String(timeout),
  ];
  return new Promise((resolve, reject) => {
    execFile("ruby", args, { encoding: "utf8", timeout: (timeout + 10) * 1000 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${script} (${options.issuer}) failed: ${error.message}\n${stderr}`));
        return;
      }
      const lines = stdout
        .split("\n")
        .filter((l) => l.trim().length > 0)
        .map((l) => JSON.parse(l) as PublishedMessage);
      if (lines.length !== options.messages.length) {
        reject(new Error(`${script} printed ${lines.length} lines for ${options.messages.length} messages`));
        return;
      }
      resolve(lines);
    });
  });
}

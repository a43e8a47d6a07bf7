/**
 * npm run bench:hostile-headers — CPU per verify of hostile protected headers next to a normal signed token:
 * a 1 MB header nested 380,000 deep and one nested 5,000 deep (issue 10, item 6), each without any trusted
 * key, and a 1 MB payload nested 380,000 deep. The last line is one JSON object:
 * {"normal_ms":..,"deep_1mb_ms":..,"deep_5k_ms":..,"deep_payload_1mb_ms":..} (mean CPU ms per verify,
 * user + system, measured with process.cpuUsage).
 * Env: BENCH_N (verifies per kind, default 20).
 */
import { registry } from "../schemas/index.js";
import { generateSigningKey } from "../lib/envelope/signing-keys.js";
import { loadKeySet } from "../lib/envelope/keysets/load-key-set.js";
import { createSigner } from "../lib/envelope/sign.js";
import { createVerifier, type Verifier } from "../lib/envelope/verify.js";

const N = Number(process.env.BENCH_N ?? 20);
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64url");

// The nesting sits in `typ`, the first member the header policy reads and quotes into its detail.
function nestedHeader(depth: number): string {
  return `{"alg":"ES256","kid":"k","typ":${"[".repeat(depth)}${"]".repeat(depth)}}`;
}

async function cpuMsPerVerify(verifier: Verifier, token: string): Promise<{ ms: number; reason: string }> {
  let reason = "";
  for (let i = 0; i < 3; i++) await verifier.verify(token); // warm-up
  const start = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const result = await verifier.verify(token);
    reason = result.ok ? "accepted" : result.rejection.reason;
  }
  const used = process.cpuUsage(start);
  return { ms: (used.user + used.system) / 1000 / N, reason };
}

async function main(): Promise<void> {
  const key = await generateSigningKey("ES256", "bench-1");
  const signer = await createSigner({
    privateJwk: key.privateJwk,
    issuer: "crm-rails",
    audience: "crm-pipeline",
  });
  const verifier = createVerifier({
    audience: "crm-pipeline",
    issuers: [{ issuer: "crm-rails", keySet: loadKeySet(JSON.stringify({ keys: [key.publicJwk] })) }],
    validator: registry,
  });
  const normal = await signer.sign({
    type: "note.added",
    v: 1,
    sub: "acc_3Fh7Rw9nB2cD",
    data: {
      noteId: "note_Q4rT8uV2wX6y",
      accountId: "acc_3Fh7Rw9nB2cD",
      contactId: "con_8Kq2mZpL4xVt",
      authorId: "usr_Jd82hF0aQz11",
      body: "Call went well.",
      mentions: ["usr_Gh55kP0mRt22"],
      createdAt: "2026-11-24T10:02:33.120-05:00",
      notify: true,
    },
  });
  const [, payload, signature] = normal.split(".");
  const hostile = (depth: number) => `${b64(nestedHeader(depth))}.${payload}.${signature}`;
  const deep1mb = hostile(380_000);
  const deepPayload = `${b64('{"alg":"ES256","kid":"bench-1","typ":"kjp+jwt"}')}.${b64(
    `{"data":${"[".repeat(380_000)}${"]".repeat(380_000)}}`,
  )}.${signature}`;
  const results = {
    normal: await cpuMsPerVerify(verifier, normal),
    deep_1mb: await cpuMsPerVerify(verifier, deep1mb),
    deep_5k: await cpuMsPerVerify(verifier, hostile(5_000)),
    deep_payload_1mb: await cpuMsPerVerify(verifier, deepPayload),
  };
  for (const [name, r] of Object.entries(results)) {
    console.log(`${name.padEnd(17)} ${r.ms.toFixed(3).padStart(9)} ms CPU/verify  outcome ${r.reason}`);
  }
  console.log(`(1 MB token: ${deep1mb.length} bytes)`);
  console.log(
    JSON.stringify({
      normal_ms: +results.normal.ms.toFixed(3),
      deep_1mb_ms: +results.deep_1mb.ms.toFixed(3),
      deep_5k_ms: +results.deep_5k.ms.toFixed(3),
      deep_payload_1mb_ms: +results.deep_payload_1mb.ms.toFixed(3),
    }),
  );
}

await main();

import { registry } from "../../schemas/index.js";
import { generateSigningKey } from "../envelope/signing-keys.js";
import { parseJwks } from "../envelope/keysets/jwks.js";
import { createStaticKeySet } from "../envelope/keysets/static-key-set.js";
import { createSigner, type Signer } from "../envelope/sign.js";
import { createVerifier } from "../envelope/verify.js";
import { messageLedgerKey } from "../ledger/ledger-keys.js";
import type { MarkerSnapshot } from "../ledger/prefetch.js";
import { afterReopen } from "../ledger/resolution.js";
import type { VerifyFn } from "../pipeline/types.js";
import { isRedelivery, tokenHash } from "../pipeline/redelivery.js";
import { predictOutcome } from "./dry-run.js";
import { replayVerify } from "./replay-deps.js";
import { exampleOf } from "../../schemas/test-helpers.js";

const DAY = 86_400;
const data = exampleOf("deal.stage_changed", 1);
const JTI = "0193a1f2-7b3c-7d4e-8f90-123456789abc";
const PK = messageLedgerKey("crm-rails", JTI);

/** One signature character changed (not the last: its low bits are padding). */
const forge = (token: string) => {
  const at = token.length - 10;
  return token.slice(0, at) + (token[at] === "A" ? "B" : "A") + token.slice(at + 1);
};

describe("dry run: the pipeline's redelivery rule (marker status AND the hash of these exact bytes)", () => {
  let signer: Signer;
  let verify: VerifyFn;
  let genuine: Buffer;
  beforeAll(async () => {
    const key = await generateSigningKey("ES256", "dry-k1");
    verify = replayVerify(
      createVerifier({
        audience: "crm-pipeline",
        issuers: [
          {
            issuer: "crm-rails",
            keySet: createStaticKeySet(parseJwks(JSON.stringify({ keys: [key.publicJwk] }), "test")),
          },
        ],
        validator: registry,
      }),
      DAY,
    );
    signer = await createSigner({
      privateJwk: key.privateJwk,
      issuer: "crm-rails",
      audience: "crm-pipeline",
      ttlSeconds: DAY,
    });
    genuine = Buffer.from(await signer.sign({ type: "deal.stage_changed", v: 1, jti: JTI, data }));
  });
  const done = (): Map<string, MarkerSnapshot> =>
    new Map([[PK, { status: "done", tokenHash: tokenHash(genuine) }]]);

  test("a forged copy of a known jti is not a duplicate: it is verified, and rejected", async () => {
    const forged = Buffer.from(forge(genuine.toString()));
    // The marker's status alone (the old dry-run rule) would have called it a duplicate.
    expect(done().get(PK)?.status).toBe("done");
    expect(isRedelivery(done().get(PK), tokenHash(forged))).toBe(false);
    expect(await predictOutcome(forged, done(), verify)).toEqual({
      status: "rejected",
      reason: "bad_signature",
      detail: expect.any(String),
    });
  });

  test("the exact bytes of a finished message are a duplicate without verification, even past the horizon", async () => {
    expect(await predictOutcome(genuine, done(), verify)).toEqual({ status: "duplicate" });
    const old = Buffer.from(
      await signer.sign({
        type: "deal.stage_changed",
        v: 1,
        jti: JTI,
        data,
        now: Math.floor(Date.now() / 1000) - 5 * DAY,
      }),
    );
    const markers = new Map([[PK, { status: "rejected", tokenHash: tokenHash(old) }]]);
    expect(await predictOutcome(old, markers, verify)).toEqual({ status: "duplicate" });
    expect(await predictOutcome(old, new Map(), verify)).toMatchObject({
      status: "rejected",
      reason: "expired",
    });
  });

  test("a valid token re-signed with a known jti (other bytes) would be cancelled by the marker: duplicate", async () => {
    const resigned = Buffer.from(await signer.sign({ type: "deal.stage_changed", v: 1, jti: JTI, data }));
    expect(resigned.equals(genuine)).toBe(false);
    expect(await predictOutcome(resigned, done(), verify)).toEqual({ status: "duplicate" });
  });

  test("no marker, a failed one, or a rejected one reopened by this replay: processed", async () => {
    expect(await predictOutcome(genuine, new Map(), verify)).toEqual({ status: "processed" });
    const failed = new Map([[PK, { status: "failed", tokenHash: tokenHash(genuine) }]]);
    expect(await predictOutcome(genuine, failed, verify)).toEqual({ status: "processed" });
    const rejected = { status: "rejected", tokenHash: tokenHash(genuine) };
    expect(await predictOutcome(genuine, new Map([[PK, rejected]]), verify)).toEqual({
      status: "duplicate",
    });
    for (const hash of [tokenHash(genuine), undefined])
      expect(await predictOutcome(genuine, new Map([[PK, afterReopen(rejected, hash)]]), verify)).toEqual({
        status: "processed",
      });
    // Reopening is conditional on the hash, as the real update is.
    expect(afterReopen(rejected, "another-hash")).toEqual(rejected);
    expect(afterReopen({ status: "done" }, undefined)).toEqual({ status: "done" });
  });

  test("a rejection with a signed identity is a marker write: a duplicate of a finished message, else rejected", async () => {
    const bad = Buffer.from(
      await signer.sign({ type: "deal.stage_changed", v: 1, jti: JTI, data: { ...data, currency: "XXX" } }),
    );
    expect(await predictOutcome(bad, done(), verify)).toEqual({ status: "duplicate" });
    const rejected = new Map([[PK, { status: "rejected", tokenHash: "other-bytes" }]]);
    expect(await predictOutcome(bad, rejected, verify)).toEqual({ status: "duplicate" });
    for (const markers of [new Map(), new Map([[PK, { status: "failed" }]])])
      expect(await predictOutcome(bad, markers, verify)).toMatchObject({
        status: "rejected",
        reason: "invalid_payload",
      });
    // Reopened by this replay (the real run does that first): rejected again, not a duplicate.
    const reopened = new Map([
      [PK, afterReopen({ status: "rejected", tokenHash: tokenHash(bad) }, tokenHash(bad))],
    ]);
    expect(await predictOutcome(bad, reopened, verify)).toMatchObject({ status: "rejected" });
    // Without a signed identity the marker of the jti does not matter.
    expect(await predictOutcome(Buffer.from(forge(bad.toString())), done(), verify)).toMatchObject({
      status: "rejected",
      reason: "bad_signature",
    });
  });

  test("a verifier that throws is a transient failure, not a verdict", async () => {
    const broken: VerifyFn = () => Promise.reject(new Error("key set fetch timed out"));
    expect(await predictOutcome(genuine, new Map(), broken)).toMatchObject({
      status: "failed",
      code: "verify_failed",
    });
  });
});

import { registry } from "../../schemas/index.js";
import { generateSigningKey } from "../envelope/signing-keys.js";
import { parseJwks } from "../envelope/keysets/jwks.js";
import { createStaticKeySet } from "../envelope/keysets/static-key-set.js";
import { createSigner, type Signer } from "../envelope/sign.js";
import { createVerifier, type Verifier } from "../envelope/verify.js";
import { horizonFromEnv } from "../config/replay-config.js";
import { replayVerify } from "./replay-deps.js";
import { exampleOf } from "../../schemas/test-helpers.js";

const DAY = 86_400;
const data = exampleOf("deal.stage_changed", 1);
const withBadSignature = (token: string) => `${token.slice(0, token.lastIndexOf(".") + 1)}${"A".repeat(86)}`;

describe("replay verification: the horizon widens exp and nothing else", () => {
  const now = Math.floor(Date.now() / 1000);
  let verifier: Verifier;
  let signer: Signer;
  let stranger: Signer;
  let elsewhere: Signer;
  beforeAll(async () => {
    const key = await generateSigningKey("ES256", "replay-k1");
    const other = await generateSigningKey("ES256", "replay-k2");
    verifier = createVerifier({
      audience: "crm-pipeline",
      issuers: [
        {
          issuer: "crm-rails",
          keySet: createStaticKeySet(parseJwks(JSON.stringify({ keys: [key.publicJwk] }), "test")),
        },
      ],
      validator: registry,
    });
    signer = await createSigner({
      privateJwk: key.privateJwk,
      issuer: "crm-rails",
      audience: "crm-pipeline",
      ttlSeconds: DAY,
    });
    stranger = await createSigner({
      privateJwk: other.privateJwk,
      issuer: "crm-rails",
      audience: "crm-pipeline",
      ttlSeconds: DAY,
    });
    elsewhere = await createSigner({
      privateJwk: key.privateJwk,
      issuer: "crm-rails",
      audience: "another-pipeline",
    });
  });
  const replayed = (horizon: number, token: string) => replayVerify(verifier, horizon)(Buffer.from(token));

  test("a token expired 2 days ago: rejected live and with a 1-day horizon, accepted with a 3-day horizon", async () => {
    const token = await signer.sign({ type: "deal.stage_changed", v: 1, data, now: now - 3 * DAY });
    expect(await verifier.verify(token)).toMatchObject({ ok: false, rejection: { reason: "expired" } });
    expect(await replayed(DAY, token)).toMatchObject({ ok: false, rejection: { reason: "expired" } });
    expect(await replayed(3 * DAY, token)).toMatchObject({
      ok: true,
      message: { type: "deal.stage_changed" },
    });
  });

  test("key, signature, audience and payload are still checked under any horizon", async () => {
    const old = now - 3 * DAY;
    expect(
      await replayed(30 * DAY, await stranger.sign({ type: "deal.stage_changed", v: 1, data, now: old })),
    ).toMatchObject({ ok: false, rejection: { reason: "unknown_key" } });
    expect(
      await replayed(
        30 * DAY,
        withBadSignature(await signer.sign({ type: "deal.stage_changed", v: 1, data, now: old })),
      ),
    ).toMatchObject({
      ok: false,
      rejection: { reason: "bad_signature" },
    });
    expect(
      await replayed(30 * DAY, await elsewhere.sign({ type: "deal.stage_changed", v: 1, data })),
    ).toMatchObject({ ok: false, rejection: { reason: "claims" } });
    expect(
      await replayed(
        30 * DAY,
        await signer.sign({ type: "deal.stage_changed", v: 1, data: { ...data, amountMinor: -1 }, now: old }),
      ),
    ).toMatchObject({
      ok: false,
      rejection: { reason: "invalid_payload" },
    });
  });

  test("the horizon comes from KJP_REPLAY_HORIZON, 7 days by default, and a bad value names the setting", () => {
    expect(horizonFromEnv({})).toBe(7 * DAY);
    expect(horizonFromEnv({ KJP_REPLAY_HORIZON: "36h" })).toBe(36 * 3600);
    expect(() => horizonFromEnv({ KJP_REPLAY_HORIZON: "a week" })).toThrow(/KJP_REPLAY_HORIZON/);
  });
});

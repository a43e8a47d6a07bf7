import { createSigner } from "../../lib/envelope/sign.js";
import { forge } from "../../lib/envelope/testing/forge.js";
import { buildAttackCorpus } from "../../test/attacks/corpus.js";
import type { ChaosKeys } from "./chaos-keys.js";
import { CHAOS_ISSUERS } from "./chaos-keys.js";
import type { Rng } from "./rng.js";
import { SEQUENCED_TYPE } from "./sequenced-message.js";

/** A record put straight on the stream, and the rejection the contract demands for it. */
export interface HostileRecord {
  kind: string;
  partitionKey: string;
  data: Uint8Array;
  expect: string;
}

const DAY = 86_400;

/**
 * About `count` hostile records: the attack corpus (test/attacks, built for this run's keys; its tokens that
 * must verify are left out) and, to make up the count, garbage bytes, untrusted and forged keys, expired tokens,
 * wrong schemas, unknown types and claims DynamoDB cannot store as such. Their partition keys are hostile-*:
 * no message of the workload shares them, so anything applied under them is an error the reconciler sees.
 */
export async function buildHostileRecords(
  count: number,
  keys: ChaosKeys,
  audience: string,
  rng: Rng,
): Promise<HostileRecord[]> {
  const now = Math.floor(Date.now() / 1000);
  const corpus = buildAttackCorpus({
    keys: keys.attacks,
    issuer: CHAOS_ISSUERS.attacks,
    otherIssuer: CHAOS_ISSUERS.attacksOther,
    audience,
    now,
    jtiPrefix: `0194f3c0-${Date.now().toString(16).slice(-4)}-7000-8000-`,
    // Tokens that must verify are not hostile; the corpus's expired ones are only hours past exp, so the runbook's
    // replay (7-day horizon) rightly lets them through: this run's own expired tokens are 23 days past it.
  }).filter((a) => a.expect !== "accepted" && a.expect !== "expired");
  const out: HostileRecord[] = [];
  const pk = () => `hostile-${rng.int(0, 9)}`;
  const enc = (s: string) => new TextEncoder().encode(s);
  // A random sample of the corpus, at most half the hostile share.
  const shuffled = [...corpus].sort(() => rng.next() - 0.5);
  for (const a of shuffled.slice(0, Math.min(corpus.length, Math.ceil(count / 2))))
    out.push({ kind: `corpus:${a.category}`, partitionKey: pk(), data: enc(a.token), expect: a.expect });

  const trusted = await createSigner({ privateJwk: keys.ts, issuer: CHAOS_ISSUERS.ts, audience });
  const untrusted = await createSigner({
    privateJwk: keys.attacks.untrusted,
    issuer: CHAOS_ISSUERS.ts,
    audience,
  });
  const forged = await createSigner({
    privateJwk: { ...keys.attacks.untrusted, kid: keys.ts.kid },
    issuer: CHAOS_ISSUERS.ts,
    audience,
  });
  const hostileData = (k: string) => ({ key: k, seq: 1, producer: "hostile" });
  const makers: (() => Promise<HostileRecord>)[] = [
    async () => {
      const bytes = new Uint8Array(rng.int(1, 600)).map(() => rng.int(0, 255));
      // Never the KPL magic: that would be an aggregate, a different rejection.
      bytes[0] = 0x00;
      return { kind: "garbage bytes", partitionKey: pk(), data: bytes, expect: "malformed" };
    },
    async () => {
      const k = pk();
      const token = await untrusted.sign({ type: SEQUENCED_TYPE, v: 1, data: hostileData(k), sub: k });
      return { kind: "untrusted key", partitionKey: k, data: enc(token), expect: "unknown_key" };
    },
    async () => {
      const k = pk();
      const token = await forged.sign({ type: SEQUENCED_TYPE, v: 1, data: hostileData(k), sub: k });
      return { kind: "forged signature", partitionKey: k, data: enc(token), expect: "bad_signature" };
    },
    async () => {
      const k = pk();
      // Issued 30 days ago with the default 7-day lifetime: beyond the 7-day replay horizon too.
      const token = await trusted.sign({
        type: SEQUENCED_TYPE,
        v: 1,
        data: hostileData(k),
        sub: k,
        now: now - 30 * DAY,
      });
      return { kind: "expired", partitionKey: k, data: enc(token), expect: "expired" };
    },
    async () => {
      const k = pk();
      const token = await trusted.sign({
        type: SEQUENCED_TYPE,
        v: 1,
        data: { key: k, seq: -1, producer: "x" },
        sub: k,
      });
      return { kind: "wrong schema", partitionKey: k, data: enc(token), expect: "invalid_payload" };
    },
    async () => {
      const k = pk();
      const token = await trusted.sign({
        type: "chaos.never_registered",
        v: 1,
        data: hostileData(k),
        sub: k,
      });
      return { kind: "unknown type", partitionKey: k, data: enc(token), expect: "unknown_type" };
    },
    async () => {
      const k = pk();
      // Claims DynamoDB cannot store as such (a jti number past its range, `v` of 1e300), signed by a trusted key:
      // the claims check refuses them, and they reach the ledger only as bounded text.
      const claims = {
        iss: CHAOS_ISSUERS.ts,
        aud: audience,
        iat: now,
        exp: now + DAY,
        jti: 1e300,
        type: SEQUENCED_TYPE,
        v: 1e300,
        data: hostileData(k),
        sub: k,
      };
      const token = forge({ alg: "ES256", kid: keys.ts.kid, typ: "kjp+jwt" }, claims, {
        alg: "ES256",
        privateJwk: keys.ts,
      });
      return { kind: "claims DynamoDB cannot store", partitionKey: k, data: enc(token), expect: "claims" };
    },
  ];
  while (out.length < count) out.push(await makers[out.length % makers.length]!());
  return out.sort(() => rng.next() - 0.5);
}

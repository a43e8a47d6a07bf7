import { decodeJwt, decodeProtectedHeader } from "jose";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDemoKeys, DEMO_ISSUERS } from "./demo-keys.js";
import { RoutingSigner } from "./routing-signer.js";
import { planWorkload } from "./workload.js";

describe("RoutingSigner with the demo keys", () => {
  const dir = mkdtempSync(join(tmpdir(), "kjp-demo-keys-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("signs each message with its planned key and time, and keeps the token", async () => {
    const keys = await createDemoKeys(dir, "kinesis-jwt-pipeline");
    const plan = planWorkload({ messages: 30, seed: 1 });
    const signer = new RoutingSigner(keys.signers, plan.messages);
    const kidOf = (identity: "crm" | "billing" | "untrusted") => keys.signers[identity].kid;
    for (const m of plan.messages) {
      const token = await signer.sign({ ...m.request });
      expect(signer.token(m.request.jti)).toBe(token);
      const header = decodeProtectedHeader(token);
      const claims = decodeJwt(token);
      expect(claims.jti).toBe(m.request.jti);
      if (m.signer === "billing") expect(header).toMatchObject({ alg: "EdDSA", kid: kidOf("billing") });
      else if (m.signer === "untrusted")
        expect(header).toMatchObject({ alg: "ES256", kid: kidOf("untrusted") });
      // A forged token claims the CRM's kid (and issuer) but is signed by the untrusted key.
      else expect(header).toMatchObject({ alg: "ES256", kid: kidOf("crm") });
      expect(claims.iss).toBe(m.signer === "billing" ? DEMO_ISSUERS.billing : DEMO_ISSUERS.crm);
      if (m.signedAt !== undefined) expect(claims.iat).toBe(m.signedAt);
    }
    await expect(signer.sign({ type: "note.added", v: 1, data: {}, jti: "not-planned" })).rejects.toThrow(
      /no plan for jti not-planned/,
    );
  });

  test("private keys are written owner-only, the issuers env names the public JWKS files", async () => {
    const keys = await createDemoKeys(dir, "aud");
    expect(statSync(join(dir, "private.untrusted.json")).mode & 0o777).toBe(0o600);
    const issuers = JSON.parse(keys.issuersEnv) as { issuer: string; keys: string }[];
    expect(issuers).toEqual([
      { issuer: DEMO_ISSUERS.crm, keys: `file:${join(dir, "jwks.crm.json")}` },
      { issuer: DEMO_ISSUERS.billing, keys: `file:${join(dir, "jwks.billing.json")}` },
    ]);
  });
});

import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { JWK } from "jose";
import { generateSigningKey } from "../../lib/envelope/signing-keys.js";
import { createSigner, type Signer } from "../../lib/envelope/sign.js";
import { parseJwks } from "../../lib/envelope/keysets/jwks.js";
import { createStaticKeySet } from "../../lib/envelope/keysets/static-key-set.js";
import { createVerifier } from "../../lib/envelope/verify.js";
import { createBatchPipeline } from "../../lib/pipeline/pipeline.js";
import { createProcessorRegistry } from "../../processors/index.js";
import { registry } from "../../schemas/index.js";
import {
  AUDIENCE,
  ISSUER,
  contactMessage,
  dealMessage,
  event,
  FakeShard,
  id,
  type Message,
  noteMessage,
} from "../integration/consumer/support.js";

export interface ConsoleWorkload {
  /** The environment a console needs to look at what the workload left. */
  env: NodeJS.ProcessEnv;
  /** The account whose deal failed transiently (its processor threw). */
  failingAccount: string;
  failedJti: string;
  /** The partition key parked after its deal's processor kept failing, with the record behind it. */
  parkedKey: string;
  parkedJti: string;
  /** Records delivered twice (the second time they are duplicates). */
  duplicates: number;
  /** A contact rejected for its unknown key: the ledger keeps it whole, personal fields included. */
  contactJti: string;
  publicJwk: JWK;
}

/**
 * A demo-like workload straight through the consumer's pipeline on the emulators: contacts, deals and notes
 * processed; records signed with a key the consumer does not trust (rejected, unknown_key); payloads that fail
 * their schema (rejected, invalid_payload); and one deal whose processor throws (failed), which a replay with
 * the real processors then applies; three records delivered again (duplicates); and a partition key parked
 * behind a deal whose processor keeps failing.
 */
export async function runConsoleWorkload(
  dynamodb: DynamoDBClient,
  tables: { ledgerTable: string; projectionsTable: string },
): Promise<ConsoleWorkload> {
  const known = await generateSigningKey("ES256", id("console-known"));
  const stranger = await generateSigningKey("ES256", id("console-stranger"));
  const signers: Record<"known" | "stranger", Signer> = {
    known: await createSigner({ privateJwk: known.privateJwk, issuer: ISSUER, audience: AUDIENCE }),
    stranger: await createSigner({ privateJwk: stranger.privateJwk, issuer: ISSUER, audience: AUDIENCE }),
  };
  const verifier = createVerifier({
    audience: AUDIENCE,
    issuers: [
      {
        issuer: ISSUER,
        keySet: createStaticKeySet(parseJwks(JSON.stringify({ keys: [known.publicJwk] }), "test")),
      },
    ],
    validator: registry,
  });
  const failingAccount = id("acc");
  const real = createProcessorRegistry();
  const processors = new Map(real);
  processors.set("deal.stage_changed", (message) => {
    if ((message.data as { accountId: string }).accountId === failingAccount)
      throw new Error(`downstream unavailable for ${failingAccount}`);
    return real.get("deal.stage_changed")!(message);
  });
  const pipeline = createBatchPipeline({
    verify: (t) => verifier.verify(t),
    processors,
    dynamodb,
    ...tables,
  });
  const shard = new FakeShard();
  const sign = (m: Message, by: "known" | "stranger" = "known") =>
    signers[by].sign({ type: m.type, v: m.v, data: m.data, jti: m.jti, ...(m.sub ? { sub: m.sub } : {}) });

  const accounts = Array.from({ length: 6 }, () => id("acc"));
  const plan: Array<{ m: Message; by?: "known" | "stranger" }> = [];
  for (const [i, account] of accounts.entries()) {
    plan.push({ m: contactMessage(account, id("con"), `2026-11-24T09:0${i}:00Z`, `Grace${i}`) });
    plan.push({ m: dealMessage(account, null, "qualified", 1000 + i) });
    plan.push({ m: noteMessage(account, false) });
  }
  for (let i = 0; i < 2; i++) plan.push({ m: noteMessage(accounts[i]!, false), by: "stranger" });
  // Rejected (unknown_key) with its raw copy kept: a payload with personal fields an operator may look at.
  const strangeContact = contactMessage(accounts[2]!, id("con"), "2026-11-24T09:30:00Z");
  plan.push({ m: strangeContact, by: "stranger" });
  for (let i = 0; i < 2; i++) {
    const bad = dealMessage(accounts[i]!, null, "qualified", 5);
    plan.push({ m: { ...bad, data: { ...bad.data, amountMinor: "lots" } } });
  }
  const failed = dealMessage(failingAccount, null, "closed_won", 4200);
  plan.push({ m: failed });

  const records = await Promise.all(
    plan.map(async ({ m, by }) => shard.record(m.sub ?? "none", await sign(m, by))),
  );
  await pipeline.process(event(records));
  // Lambda delivers again after a partial failure: three processed records come back as duplicates.
  const again = [records[0]!, records[1]!, records[2]!];
  await pipeline.process(event(again));

  // A key whose deal keeps failing is parked (after one attempt here), with the record behind it.
  const parkedKey = id("acc");
  const stuck = dealMessage(parkedKey, null, "lead", 77);
  const parking = createBatchPipeline({
    verify: (t) => verifier.verify(t),
    processors: new Map([
      ...real,
      [
        "deal.stage_changed",
        () => {
          throw new Error("downstream keeps timing out");
        },
      ],
    ]),
    dynamodb,
    ...tables,
    settings: { parkAfterAttempts: 1 },
  });
  await parking.process(
    event([
      shard.record(parkedKey, await sign(stuck)),
      shard.record(parkedKey, await sign(noteMessage(parkedKey, false))),
    ]),
  );

  // No stream: the workload's records never went through one, so the ledger's raw copies are the only source.
  const { KJP_STREAM_NAME: _stream, ...inherited } = process.env;
  return {
    env: {
      ...inherited,
      ...tables,
      KJP_LEDGER_TABLE: tables.ledgerTable,
      KJP_PROJECTIONS_TABLE: tables.projectionsTable,
      KJP_AUDIENCE: AUDIENCE,
      KJP_ISSUERS: JSON.stringify([{ issuer: ISSUER, keys: JSON.stringify({ keys: [known.publicJwk] }) }]),
    },
    failingAccount,
    failedJti: failed.jti,
    parkedKey,
    parkedJti: stuck.jti,
    duplicates: again.length,
    contactJti: strangeContact.jti,
    publicJwk: known.publicJwk,
  };
}

/**
 * Writes test/vectors/aggregates.json (run: `npm run vectors`, after valid.json): KPL aggregates of valid.json's
 * tokens, as the TypeScript publisher packs them, and corrupt aggregates the consumer rejects as `aggregate`.
 * The gem must build the very same bytes from the same partition key and tokens (producers/ruby/test), and the
 * consumer must unpack and verify them (vectors.test.ts): together, aggregates cross between the languages.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AGGREGATION_MAGIC } from "../../lib/kinesis/aggregate-framing.js";
import { AggregatedRecordType, encodeAggregate } from "../../lib/kinesis/aggregated-record.js";
import { projectRoot } from "../../lib/util/project-root.js";

const DIR = join(projectRoot(), "test", "vectors");

interface ValidFile {
  contract: string;
  now: number;
  verifier: unknown;
  vectors: Array<{ name: string; token: string; deterministic: boolean; sign: { sub?: string } }>;
}

const valid = JSON.parse(readFileSync(join(DIR, "valid.json"), "utf8")) as ValidFile;
const eddsa = valid.vectors.filter((v) => v.deterministic).map((v) => v.token);
const all = valid.vectors.map((v) => v.token);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const pack = (partitionKey: string, tokens: string[]) =>
  encodeAggregate({
    partitionKeys: [partitionKey],
    records: tokens.map((t) => ({ partitionKeyIndex: 0, data: Buffer.from(t, "ascii") })),
  });

const aggregates = [
  { name: "EdDSA tokens of one account", partitionKey: "acc_3Fh7Rw9nB2cD", tokens: eddsa },
  { name: "every valid token, in order", partitionKey: "acc_3Fh7Rw9nB2cD", tokens: all },
  { name: "two tokens, non-ASCII partition key", partitionKey: "kunde-ÄÖÜ-密钥", tokens: eddsa.slice(0, 2) },
].map((v) => ({ ...v, aggregate: b64(pack(v.partitionKey, v.tokens)) }));

const good = pack("acc_3Fh7Rw9nB2cD", eddsa.slice(0, 2));
const frame = (body: Uint8Array) =>
  Buffer.concat([AGGREGATION_MAGIC, body, createHash("md5").update(body).digest()]);
const flipped = Buffer.from(good);
flipped[flipped.length - 1]! ^= 0x01;
const body = AggregatedRecordType.encode(
  AggregatedRecordType.fromObject({
    partition_key_table: ["acc_3Fh7Rw9nB2cD"],
    records: [{ partition_key_index: 0, data: Buffer.from(eddsa[0]!, "ascii") }],
  }),
).finish();

const corrupt = [
  { name: "MD5 trailer changed", aggregate: b64(flipped) },
  { name: "cut short", aggregate: b64(good.subarray(0, good.length - 40)) },
  {
    name: "protobuf truncated under a matching MD5",
    aggregate: b64(frame(body.subarray(0, body.length - 7))),
  },
  {
    name: "partition key index out of range",
    aggregate: b64(
      encodeAggregate({
        partitionKeys: ["acc_3Fh7Rw9nB2cD"],
        records: [{ partitionKeyIndex: 3, data: Buffer.from(eddsa[0]!, "ascii") }],
      }),
    ),
  },
  { name: "no user records", aggregate: b64(encodeAggregate({ partitionKeys: ["k"], records: [] })) },
];

writeFileSync(
  join(DIR, "aggregates.json"),
  JSON.stringify(
    {
      contract: `${valid.contract} §1.1 (KPL aggregates)`,
      now: valid.now,
      verifier: valid.verifier,
      aggregates,
      corrupt: corrupt.map((c) => ({ ...c, reason: "aggregate" })),
    },
    null,
    2,
  ) + "\n",
);

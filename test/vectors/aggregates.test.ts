import { readFileSync } from "node:fs";
import { join } from "node:path";
import { registry } from "../../schemas/index.js";
import { encodeAggregate } from "../../lib/kinesis/aggregated-record.js";
import { deaggregate } from "../../lib/kinesis/aggregation.js";
import { loadKeySet } from "../../lib/envelope/keysets/load-key-set.js";
import { createVerifier } from "../../lib/envelope/verify.js";
import { projectRoot } from "../../lib/util/project-root.js";

const DIR = join(projectRoot(), "test", "vectors");

interface AggregatesFile {
  now: number;
  verifier: {
    audience: string;
    issuers: { issuer: string; jwks: string }[];
    clockToleranceSec: number;
    maxLifetimeSec: number;
  };
  aggregates: { name: string; partitionKey: string; tokens: string[]; aggregate: string }[];
  corrupt: { name: string; aggregate: string; reason: string }[];
}

const file = JSON.parse(readFileSync(join(DIR, "aggregates.json"), "utf8")) as AggregatesFile;

// The gem's minitest suite builds each of these aggregates from the same key and tokens and must get the same
// bytes, so what is checked here holds for aggregates the gem builds too.
describe("test/vectors/aggregates.json", () => {
  const verifier = createVerifier({
    audience: file.verifier.audience,
    issuers: file.verifier.issuers.map((i) => ({
      issuer: i.issuer,
      keySet: loadKeySet(`file:${join(DIR, i.jwks)}`),
    })),
    validator: registry,
    clockToleranceSec: file.verifier.clockToleranceSec,
    maxLifetimeSec: file.verifier.maxLifetimeSec,
  });

  test.each(file.aggregates.map((a) => [a.name, a] as const))(
    "%s: unpacks to its tokens, each verifies, and the publisher packs the same bytes",
    async (_, vector) => {
      const bytes = Buffer.from(vector.aggregate, "base64");
      const result = deaggregate(bytes);
      if (result.kind !== "aggregate") throw new Error(`not unpacked: ${JSON.stringify(result)}`);
      expect(result.records.map((r) => r.data.toString("ascii"))).toEqual(vector.tokens);
      expect(result.records.map((r) => r.partitionKey)).toEqual(vector.tokens.map(() => vector.partitionKey));
      for (const record of result.records) {
        const verified = await verifier.verify(record.data, { now: file.now });
        if (!verified.ok) throw new Error(JSON.stringify(verified.rejection));
      }
      const repacked = encodeAggregate({
        partitionKeys: [vector.partitionKey],
        records: vector.tokens.map((t) => ({ partitionKeyIndex: 0, data: Buffer.from(t, "ascii") })),
      });
      expect(repacked.equals(bytes)).toBe(true);
    },
  );

  test.each(file.corrupt.map((c) => [c.name, c] as const))("%s: corrupt", (_, vector) => {
    expect(vector.reason).toBe("aggregate");
    expect(deaggregate(Buffer.from(vector.aggregate, "base64")).kind).toBe("corrupt");
  });
});

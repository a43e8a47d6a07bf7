import { fromAttributeMap } from "./attribute-values.js";
import { boundedText } from "./bounded-text.js";
import { boundedRaw } from "./ledger-items.js";
import { minimalLedgerWrite, recordRejectionWrite, rejectedMarkerWrite } from "./ledger-writes.js";
import { rejectionFacts } from "./unverified-facts.js";

const subject = (facts = {}) => ({
  position: { shardId: "shardId-1", sequenceNumber: "42", partitionKey: "acc_1" },
  facts,
  times: { now: Date.UTC(2026, 10, 27), ttlSeconds: 86_400 },
});

test("unverified claims become bounded text: no number DynamoDB cannot store, no 3,000-character value", () => {
  const facts = rejectionFacts(
    { iss: "#".repeat(3_000), jti: "#".repeat(3_000), type: { x: 1 }, v: 1e300, sub: "s" },
    undefined,
  );
  expect(facts).toEqual({
    claimsVerified: false,
    iss: `${"#".repeat(255)}…`,
    jti: `${"#".repeat(255)}…`,
    type: '{"x":1}',
    v: "1e+300",
    sub: "s",
  });
  expect(rejectionFacts({ v: 5e-324 }, undefined).v).toBe("5e-324");
  // A signed identity is kept as it is, and the item is not flagged unverified.
  expect(rejectionFacts({ iss: "other", v: 2 }, { iss: "crm-rails", jti: "j-1" })).toEqual({
    iss: "crm-rails",
    jti: "j-1",
    v: "2",
  });
  expect(boundedText("abc", 2)).toBe("a…");
});

test("a raw copy is whole up to the cap, else its head; size and hash always", () => {
  const small = Buffer.from("header.payload.sig");
  expect(boundedRaw(small, small.toString("base64"), 100, 4)).toMatchObject({
    raw: small.toString("base64"),
    rawTruncated: false,
    rawBytes: small.length,
  });
  const big = Buffer.alloc(10_000, 0x41);
  const kept = boundedRaw(big, big.toString("base64"), 100, 4);
  expect(kept).toMatchObject({
    raw: big.toString("base64").slice(0, 4),
    rawTruncated: true,
    rawBytes: 10_000,
  });
  expect(kept.rawSha256).toMatch(/^[0-9a-f]{64}$/);
});

test("the minimal fallback keeps key, status, reason, position and hashes, and drops everything unbounded", () => {
  const failure = {
    reason: "claims",
    detail: "d".repeat(5_000),
    raw: "QUFB",
    rawTruncated: false,
    rawBytes: 3,
    rawSha256: "ab".repeat(32),
    issues: [{ path: "data.x", message: "m" }],
  };
  const rejection = recordRejectionWrite("rec#shardId-1#42", subject({ claimsVerified: false }), failure);
  const minimal = minimalLedgerWrite(rejection, "Item size has exceeded the maximum allowed size", 0);
  expect(minimal.kind).toBe("rejection");
  if (minimal.kind !== "rejection") return;
  expect(minimal.pk).toBe("rec#shardId-1#42");
  expect(minimal.attributes).toMatchObject({
    status: "rejected",
    failureStatus: "rejected",
    reason: "claims",
    shardId: "shardId-1",
    sequenceNumber: "42",
    rawSha256: "ab".repeat(32),
    raw: "",
    rawTruncated: true,
    fallback: true,
    claimsVerified: false,
  });
  expect(minimal.attributes).not.toHaveProperty("issues");
  expect(String(minimal.attributes.detail).length).toBeLessThanOrEqual(1_000);

  const marker = rejectedMarkerWrite("msg#crm-rails#j-1", subject(), failure, "hash");
  const small = minimalLedgerWrite(marker, "too large", 0);
  expect(small.kind).toBe("marker");
  if (small.kind !== "marker") return;
  expect(fromAttributeMap(small.item)).toMatchObject({
    pk: "msg#crm-rails#j-1",
    status: "rejected",
    tokenHash: "hash",
    fallback: true,
    attempts: 1,
  });
  expect(small.item.issues).toBeUndefined();
});

import { reconcile, type ReconcileInput } from "./reconcile.js";

/** A clean run: two keys, a rejected hostile record, every marker done. */
function cleanRun(): ReconcileInput {
  const ledger = [
    ...[1, 2, 3].map((n) => ({ pk: `msg#ts#a${n}`, status: "done", iss: "ts" })),
    ...[1, 2].map((n) => ({ pk: `msg#gem#b${n}`, status: "done", iss: "gem" })),
    {
      pk: "rec#s#9",
      status: "rejected",
      reason: "malformed",
      shardId: "s",
      sequenceNumber: "9",
      rawSha256: "h9",
    },
  ];
  return {
    published: [
      { key: "ts-1", producer: "ts", count: 3 },
      { key: "gem-1", producer: "gem", count: 2 },
    ],
    hostile: [
      { kind: "garbage bytes", expect: "malformed", shardId: "s", sequenceNumber: "9", sha256: "h9" },
    ],
    producerIssuers: ["ts", "gem"],
    sequences: new Map([
      ["ts-1", [1, 2, 3]],
      ["gem-1", [1, 2]],
    ]),
    ledger,
  };
}

test("a clean run reconciles", () => {
  const v = reconcile(cleanRun());
  expect(v).toMatchObject({ ok: true, published: 5, applied: 5, rejected: { malformed: 1 } });
  expect(v.mismatches).toEqual([]);
});

test("an effect applied twice is a duplicate", () => {
  const input = cleanRun();
  input.sequences.set("ts-1", [1, 2, 2, 3]);
  const v = reconcile(input);
  expect(v).toMatchObject({ ok: false, duplicateEffects: 1, orderViolations: 0, unaccounted: 0 });
  expect(v.mismatches).toContain("key ts-1: message 2 applied 2 times");
});

test("a swapped pair is an order violation", () => {
  const input = cleanRun();
  input.sequences.set("ts-1", [2, 1, 3]);
  const v = reconcile(input);
  expect(v).toMatchObject({ ok: false, orderViolations: 1, duplicateEffects: 0, unaccounted: 0 });
});

test("a message never applied is unaccounted, and its missing marker is seen too", () => {
  const input = cleanRun();
  input.sequences.set("gem-1", [1]);
  input.ledger = input.ledger.filter((r) => r.pk !== "msg#gem#b2");
  const v = reconcile(input);
  expect(v).toMatchObject({ ok: false, unaccounted: 1, applied: 4, doneMarkers: 4 });
  expect(v.mismatches).toEqual(
    expect.arrayContaining([
      "key gem-1: message 2 of 2 never applied",
      "4 done markers in the ledger for 5 published messages",
    ]),
  );
});

test("effects nobody published, a hostile record accepted, a stray rejection and a parked record all fail it", () => {
  const extra = cleanRun();
  extra.sequences.set("hostile-1", [1]);
  expect(reconcile(extra)).toMatchObject({ ok: false, foreignEffects: 1 });

  const accepted = cleanRun();
  accepted.ledger = accepted.ledger.filter((r) => r.pk !== "rec#s#9");
  expect(reconcile(accepted)).toMatchObject({ ok: false, hostileMismatches: 1 });

  const wrongReason = cleanRun();
  wrongReason.ledger[5] = { ...wrongReason.ledger[5]!, reason: "header" };
  expect(reconcile(wrongReason)).toMatchObject({ ok: false, hostileMismatches: 1, unexpectedRejections: 1 });

  const parked = cleanRun();
  parked.ledger.push({ pk: "parked#s#10", status: "parked" });
  expect(reconcile(parked)).toMatchObject({ ok: false, leftPending: 1 });
});

test("a hostile record put twice (its first answer lost) is rejected twice, and that is no stray rejection", () => {
  const input = cleanRun();
  input.ledger.push({
    pk: "rec#s#12",
    status: "rejected",
    reason: "malformed",
    shardId: "s",
    sequenceNumber: "12",
    rawSha256: "h9",
  });
  expect(reconcile(input)).toMatchObject({ ok: true, unexpectedRejections: 0 });
  input.ledger.push({
    pk: "rec#s#13",
    status: "rejected",
    reason: "header",
    shardId: "s",
    sequenceNumber: "13",
    rawSha256: "h9",
  });
  expect(reconcile(input)).toMatchObject({ ok: false, unexpectedRejections: 1 });
});

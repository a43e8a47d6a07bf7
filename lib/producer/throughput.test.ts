import type { SignInput } from "../envelope/sign.js";
import { measurePublisherThroughput } from "./throughput.js";
import type { PutRecordsFn } from "./types.js";

test("reports every message acknowledged, the request count and a positive rate", async () => {
  let requests = 0;
  const putRecords: PutRecordsFn = (records) => {
    requests++;
    return Promise.resolve({
      Records: records.map((_, i) => ({ SequenceNumber: `${requests}-${i}`, ShardId: "s" })),
    });
  };
  const signer = { sign: (i: SignInput) => Promise.resolve(`${i.jti}.x.y`) };
  const result = await measurePublisherThroughput(
    { signer, putRecords, lingerMs: 1, strictOrder: false },
    { messages: 40, keys: 4, message: (i) => ({ type: "t.x", v: 1, data: { i } }) },
  );
  expect(result).toMatchObject({
    messages: 40,
    keys: 4,
    strictOrder: false,
    failed: 0,
    retried: 0,
    requests,
  });
  expect(result.perSecond).toBeGreaterThan(0);
});

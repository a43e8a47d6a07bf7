import fc from "fast-check";
import { keyPart, messageLedgerKey, recordLedgerKey } from "./ledger-keys.js";

test("a '#' inside a part cannot move the boundary between issuer and jti (issue 10, item 5)", () => {
  expect(messageLedgerKey("shop", "billing#X")).not.toBe(messageLedgerKey("shop#billing", "X"));
  expect(messageLedgerKey("shop", "billing#X")).toBe("msg#shop#billing%23X");
  expect(messageLedgerKey("a%23", "b")).not.toBe(messageLedgerKey("a#", "b"));
});

test("well-formed identities and stream positions keep the keys they always had", () => {
  expect(messageLedgerKey("crm-rails", "0193a1f2-7b3c-7d4e-8f90-123456789abc")).toBe(
    "msg#crm-rails#0193a1f2-7b3c-7d4e-8f90-123456789abc",
  );
  expect(messageLedgerKey("https://crm.example.com", "j-1")).toBe("msg#https://crm.example.com#j-1");
  expect(recordLedgerKey("shardId-000000000001", "4959")).toBe("rec#shardId-000000000001#4959");
});

test("the encoding is injective: two different (iss, jti) pairs never share a key", () => {
  const part = fc.string({ unit: fc.constantFrom("#", "%", "2", "3", "5", "a") });
  fc.assert(
    fc.property(part, part, part, part, (a, b, c, d) => {
      fc.pre(a !== c || b !== d);
      expect(messageLedgerKey(a, b)).not.toBe(messageLedgerKey(c, d));
    }),
  );
  fc.assert(fc.property(fc.string(), (s) => expect(keyPart(s)).not.toContain("#")));
});

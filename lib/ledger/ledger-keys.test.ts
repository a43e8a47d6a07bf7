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

test("a lone surrogate in a jti gets a key of its own: DynamoDB would read it as '?' (found by the consumer fuzz)", () => {
  const keys = ["\uD800x", "\uDC00x", "?x", "%ud800x", "\uD83D\uDE00x", "\uDBFF#"].map((jti) =>
    messageLedgerKey("crm-rails", jti),
  );
  expect(new Set(keys).size).toBe(keys.length);
  expect(messageLedgerKey("crm-rails", "\uD800x")).toBe("msg#crm-rails#%ud800x");
  expect(messageLedgerKey("crm-rails", "%ud800x")).toBe("msg#crm-rails#%25ud800x");
  // A pair is one character, spelled as it is; every key is well-formed UTF-16, so UTF-8 can hold it.
  expect(messageLedgerKey("crm-rails", "\uD83D\uDE00x")).toBe("msg#crm-rails#\uD83D\uDE00x");
  const wellFormed = (s: string) =>
    !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
  const part = fc.string({ unit: fc.constantFrom("#", "%", "u", "d", "8", "0", "?", "\uD800", "\uDC00") });
  fc.assert(
    fc.property(part, part, (a, b) => {
      fc.pre(a !== b);
      expect(messageLedgerKey("i", a)).not.toBe(messageLedgerKey("i", b));
      expect(wellFormed(keyPart(a))).toBe(true);
    }),
  );
});

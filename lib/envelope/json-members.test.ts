import { hasDuplicateMembers } from "./json-members.js";

const dup = (text: string) => hasDuplicateMembers(Buffer.from(text, "utf8"), JSON.parse(text));

describe("hasDuplicateMembers", () => {
  test.each([
    ['{"alg":"none","kid":"k","alg":"ES256"}', "at the top level"],
    ['{"a":{"x":1,"x":2}}', "inside a nested object"],
    ['{"a":[{"x":1},{"y":1,"y":1}]}', "inside an object in an array"],
    ['{"alg":1,"\\u0061lg":2}', "spelled with an escape"],
    ['{ "a" : 1 , "a"\n:\t2 }', "with whitespace around the colon"],
    ['{"__proto__":1,"__proto__":2}', "for __proto__"],
  ])("finds %s (%s)", (text) => {
    expect(dup(text)).toBe(true);
  });

  test.each([
    ['{"alg":"ES256","kid":"k","typ":"kjp+jwt"}'],
    ['{"a":{"x":1},"b":{"x":1}}'], // the same name in two objects is fine
    ['{"a":"x:y","b":"\\":\\"","c":["a",":"]}'], // colons and quotes inside strings are not names
    ['{"a":"\\\\","b":1}'], // an escaped backslash ends before the quote
    ["{}"],
    ['{"__proto__":{"a":1}}'],
  ])("accepts %s", (text) => {
    expect(dup(text)).toBe(false);
  });
});

import { ConfigurationError } from "../errors/kjp-error.js";
import { inlineSignaturesFor } from "./signature-threads.js";

describe("inlineSignaturesFor", () => {
  test.each([
    ["128", true],
    ["1024", true],
    ["1769", true],
    ["3537", true],
    ["3538", false],
    ["10240", false],
  ])("a Lambda function of %s MB: inline %s (two full vCPUs from 3,538 MB)", (mb, inline) => {
    expect(inlineSignaturesFor({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: mb }, 8)).toBe(inline);
  });
  test("any other process decides by its cores", () => {
    expect(inlineSignaturesFor({}, 1)).toBe(true);
    expect(inlineSignaturesFor({}, 2)).toBe(false);
  });
  test("KJP_VERIFY_INLINE decides when set, whatever the memory or cores", () => {
    expect(
      inlineSignaturesFor({ KJP_VERIFY_INLINE: "false", AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512" }, 1),
    ).toBe(false);
    expect(
      inlineSignaturesFor({ KJP_VERIFY_INLINE: "true", AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "10240" }, 8),
    ).toBe(true);
  });
  test("a malformed setting is a configuration error naming it", () => {
    expect(() => inlineSignaturesFor({ KJP_VERIFY_INLINE: "yes" }, 2)).toThrow(ConfigurationError);
    expect(() => inlineSignaturesFor({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "lots" }, 2)).toThrow(
      /AWS_LAMBDA_FUNCTION_MEMORY_SIZE/,
    );
  });
});

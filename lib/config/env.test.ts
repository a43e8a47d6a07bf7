import { ConfigurationError } from "../errors/kjp-error.js";
import { durationSetting, flagSetting, parseDuration, requiredSetting, wholeNumberSetting } from "./env.js";

describe("the environment reader", () => {
  test("a setting set to blanks counts as not set", () => {
    expect(() => requiredSetting({ X: "  " }, "X", "set X")).toThrow(/X is not set/);
    expect(wholeNumberSetting({ N: "" }, "N", 5, 1, 10)).toBe(5);
    expect(flagSetting({ F: " " }, "F", true)).toBe(true);
  });

  test("whole numbers within their range, else a ConfigurationError naming the setting", () => {
    expect(wholeNumberSetting({ N: "7" }, "N", 5, 1, 10)).toBe(7);
    expect(() => wholeNumberSetting({ N: "many" }, "N", 5, 1, 10)).toThrow(/N must be a whole number/);
    expect(() => wholeNumberSetting({ N: "11" }, "N", 5, 1, 10)).toThrow(/N must be between 1 and 10/);
    expect(() => wholeNumberSetting({ N: "0" }, "N", 5, 1)).toThrow(/N must be above 0/);
    expect(() => wholeNumberSetting({ N: "1" }, "N", 5, 2)).toThrow(/N must be at least 2/);
    expect(() => wholeNumberSetting({ N: "5s" }, "N", 5, 0, undefined, "ms")).toThrow(
      /N must be a whole number of ms/,
    );
    expect(() => wholeNumberSetting({ N: "1".repeat(16) }, "N", 5, 0)).toThrow(/N must be a whole number/);
    expect(() => wholeNumberSetting({ N: "-1" }, "N", 5, 0)).toThrow(ConfigurationError);
  });

  test("flags are exactly true or false", () => {
    expect(flagSetting({ F: "false" }, "F", true)).toBe(false);
    expect(flagSetting({}, "F", undefined)).toBeUndefined();
    expect(() => flagSetting({ F: "yes" }, "F", true)).toThrow(/F must be "true" or "false"/);
  });

  test('durations: "14d", "36h", "90m", "45s" or seconds, at least the minimum', () => {
    expect(parseDuration("14d", "--horizon", 0)).toBe(14 * 86_400);
    expect(parseDuration("90", "--horizon", 0)).toBe(90);
    expect(parseDuration("0", "--horizon", 0)).toBe(0);
    expect(() => parseDuration("0", "--ttl")).toThrow(/--ttl "0" is not a duration/);
    expect(() => parseDuration("-1d", "--horizon", 0)).toThrow(/--horizon/);
    expect(durationSetting({ H: "36h" }, "H", 60)).toBe(36 * 3600);
    expect(durationSetting({}, "H", 60)).toBe(60);
  });
});

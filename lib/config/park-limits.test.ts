import fc from "fast-check";
import { deriveParkLimits, parksBeforeLambdaGivesUp } from "./park-limits.js";

describe("park limits derived from Lambda's", () => {
  test("the configured limits stand when Lambda retries without a count and ages out at retention", () => {
    expect(
      deriveParkLimits(
        { maximumRetryAttempts: -1, maximumRecordAgeInSeconds: 86_400 },
        { parkAfterAttempts: 5, parkAfterAgeSeconds: 3_600 },
      ),
    ).toEqual({ parkAfterAttempts: 5, parkAfterAgeSeconds: 3_600 });
  });

  test("never above Lambda's: attempts capped at maximumRetryAttempts, age kept 5 minutes short", () => {
    expect(
      deriveParkLimits(
        { maximumRetryAttempts: 3, maximumRecordAgeInSeconds: 3_600 },
        { parkAfterAttempts: 10, parkAfterAgeSeconds: 7_200 },
      ),
    ).toEqual({ parkAfterAttempts: 3, parkAfterAgeSeconds: 3_300 });
    expect(
      deriveParkLimits(
        { maximumRetryAttempts: 0, maximumRecordAgeInSeconds: 60 },
        { parkAfterAttempts: 5, parkAfterAgeSeconds: 3_600 },
      ),
    ).toEqual({ parkAfterAttempts: 1, parkAfterAgeSeconds: 30 });
  });

  test("whatever is configured, the consumer parks before Lambda gives up", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 10_000 })),
        fc.oneof(fc.constant(-1), fc.integer({ min: 60, max: 604_800 })),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 604_800 }),
        (retries, age, attempts, parkAge) => {
          const lambda = { maximumRetryAttempts: retries, maximumRecordAgeInSeconds: age };
          const limits = deriveParkLimits(lambda, {
            parkAfterAttempts: attempts,
            parkAfterAgeSeconds: parkAge,
          });
          expect(parksBeforeLambdaGivesUp(lambda, limits)).toBe(true);
        },
      ),
    );
  });

  test("an inverted pair is recognised", () => {
    expect(
      parksBeforeLambdaGivesUp(
        { maximumRetryAttempts: 2, maximumRecordAgeInSeconds: 3_600 },
        { parkAfterAttempts: 5, parkAfterAgeSeconds: 600 },
      ),
    ).toBe(false);
    expect(
      parksBeforeLambdaGivesUp(
        { maximumRetryAttempts: -1, maximumRecordAgeInSeconds: 600 },
        { parkAfterAttempts: 5, parkAfterAgeSeconds: 600 },
      ),
    ).toBe(false);
  });
});

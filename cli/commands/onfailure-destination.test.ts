import { onFailureDestination } from "./onfailure-destination.js";

const both = { KJP_ONFAILURE_QUEUE_URL: "http://127.0.0.1:1/q", KJP_ONFAILURE_BUCKET: "b" };

describe("onFailureDestination", () => {
  test("an option wins", () => {
    expect(onFailureDestination({ queueUrl: "u" }, { KJP_ONFAILURE_DESTINATION: "s3", ...both })).toEqual({
      kind: "sqs",
      queueUrl: "u",
    });
    expect(onFailureDestination({ bucket: "x" }, {})).toEqual({ kind: "s3", bucket: "x" });
    expect(() => onFailureDestination({ queueUrl: "u", bucket: "x" }, {})).toThrow(/two destinations/);
  });

  test("otherwise the deployed destination decides, whatever else is set", () => {
    expect(onFailureDestination({}, { KJP_ONFAILURE_DESTINATION: "sqs", ...both })).toEqual({
      kind: "sqs",
      queueUrl: both.KJP_ONFAILURE_QUEUE_URL,
    });
    expect(onFailureDestination({}, { KJP_ONFAILURE_DESTINATION: "s3", ...both })).toEqual({
      kind: "s3",
      bucket: "b",
    });
  });

  test.each([
    [{ ...both }, /destination is not known/],
    [{ KJP_ONFAILURE_BUCKET: "b" }, /destination is not known/],
    [{ KJP_ONFAILURE_DESTINATION: "sqs", KJP_ONFAILURE_BUCKET: "b" }, /KJP_ONFAILURE_QUEUE_URL is not set/],
    [{ KJP_ONFAILURE_DESTINATION: "s3" }, /KJP_ONFAILURE_BUCKET is not set/],
    [{ KJP_ONFAILURE_DESTINATION: "sns", ...both }, /neither sqs nor s3/],
  ])("never guessed: %j", (env, message) => {
    expect(() => onFailureDestination({}, env)).toThrow(
      expect.objectContaining({ code: "configuration", message: expect.stringMatching(message) }),
    );
  });
});

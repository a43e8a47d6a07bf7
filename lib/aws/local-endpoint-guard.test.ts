import { sqsClient } from "./sqs-client.js";
import { s3Client } from "./s3-client.js";
import { assertLocalEndpoint } from "./local-endpoint-guard.js";

describe("assertLocalEndpoint", () => {
  test("without KJP_LOCAL_STACK nothing is checked (real AWS is allowed)", () => {
    expect(() => assertLocalEndpoint("S3", {})).not.toThrow();
  });

  test("KJP_LOCAL_STACK=1 accepts loopback endpoints, per service or for all", () => {
    const env = { KJP_LOCAL_STACK: "1", AWS_ENDPOINT_URL_S3: "http://127.0.0.1:5000" };
    expect(() => assertLocalEndpoint("S3", env)).not.toThrow();
    expect(() =>
      assertLocalEndpoint("KINESIS", { KJP_LOCAL_STACK: "1", AWS_ENDPOINT_URL: "http://localhost:4566" }),
    ).not.toThrow();
  });

  test("KJP_LOCAL_STACK=1 refuses a service without an endpoint: it would go to real AWS", () => {
    expect(() =>
      assertLocalEndpoint("S3", { KJP_LOCAL_STACK: "1", AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:5000" }),
    ).toThrow(/KJP_LOCAL_STACK=1 but AWS_ENDPOINT_URL_S3 is not set: refusing to call real AWS/);
  });

  test("KJP_LOCAL_STACK=1 refuses an endpoint off this machine", () => {
    expect(() =>
      assertLocalEndpoint("SQS", {
        KJP_LOCAL_STACK: "1",
        AWS_ENDPOINT_URL_SQS: "https://sqs.us-east-1.amazonaws.com",
      }),
    ).toThrow(
      expect.objectContaining({
        code: "configuration",
        message: expect.stringMatching(/not on this machine/),
      }),
    );
  });

  test("the client factories apply it", () => {
    const saved = { ...process.env };
    try {
      process.env.KJP_LOCAL_STACK = "1";
      process.env.AWS_ENDPOINT_URL_SQS = "http://127.0.0.1:1";
      delete process.env.AWS_ENDPOINT_URL_S3;
      delete process.env.AWS_ENDPOINT_URL;
      expect(() => s3Client()).toThrow(/AWS_ENDPOINT_URL_S3 is not set/);
      sqsClient().destroy();
    } finally {
      process.env = saved;
    }
  });
});

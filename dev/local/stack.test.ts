import { applyStackEnv, startLocalStack } from "./stack.js";

describe("startLocalStack with AWS_ENDPOINT_URL (LocalStack)", () => {
  const saved = process.env.AWS_ENDPOINT_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
    else process.env.AWS_ENDPOINT_URL = saved;
  });

  it("starts nothing and points every service at that endpoint", async () => {
    process.env.AWS_ENDPOINT_URL = "http://localhost:4566";
    const started = Date.now();
    const stack = await startLocalStack({ region: "eu-west-1" });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(stack.external).toBe(true);
    expect(stack.emulators).toEqual([]);
    expect(stack.env).toMatchObject({
      AWS_ENDPOINT_URL_DYNAMODB: "http://localhost:4566",
      AWS_ENDPOINT_URL_KINESIS: "http://localhost:4566",
      AWS_ENDPOINT_URL_SQS: "http://localhost:4566",
      AWS_ENDPOINT_URL_S3: "http://localhost:4566",
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: "http://localhost:4566",
      AWS_REGION: "eu-west-1",
      AWS_DEFAULT_REGION: "eu-west-1",
    });
    const target: NodeJS.ProcessEnv = {};
    applyStackEnv(stack, target);
    expect(target.AWS_ENDPOINT_URL_KINESIS).toBe("http://localhost:4566");
    await stack.stop();
  });
});

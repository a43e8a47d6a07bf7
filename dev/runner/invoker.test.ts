import { Logger } from "@aws-lambda-powertools/logger";
import type { KinesisStreamEvent } from "aws-lambda";
import { Invoker, TimeoutError, type FunctionIdentity } from "./invoker.js";
import { installLogCapture } from "./log-capture.js";

const identity: FunctionIdentity = {
  functionName: "fn",
  functionArn: "arn:aws:lambda:us-east-1:123456789012:function:fn",
  memorySizeMb: 256,
  timeoutSeconds: 1,
  logGroupName: "/aws/lambda/fn",
  logStreamName: "2024/01/01/[$LATEST]abc",
};
const event: KinesisStreamEvent = { Records: [] };

describe("in-process invocation", () => {
  let uninstall: () => void;
  beforeEach(() => {
    uninstall = installLogCapture();
  });
  afterEach(() => uninstall());

  it("passes a Lambda context and frames the function's output with START/END/REPORT", async () => {
    const lines: string[] = [];
    const invoker = new Invoker(
      async (_event, context) => {
        console.info("in %s", context.functionName);
        process.stdout.write("partial ");
        process.stdout.write("line\n");
        expect(context).toMatchObject({
          functionVersion: "$LATEST",
          invokedFunctionArn: identity.functionArn,
          memoryLimitInMB: "256",
          logGroupName: "/aws/lambda/fn",
        });
        expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
        expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(1000);
        return { batchItemFailures: [] };
      },
      identity,
      (line) => lines.push(line),
      undefined,
      12.5,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const out = await invoker.invoke(event);
    expect(out.result).toEqual({ kind: "returned", value: { batchItemFailures: [] } });
    expect(lines[0]).toBe(`START RequestId: ${out.requestId} Version: $LATEST`);
    expect(lines[1]).toMatch(new RegExp(`\\t${out.requestId}\\tINFO\\tin fn$`));
    expect(lines[2]).toBe("partial line");
    expect(lines[3]).toBe(`END RequestId: ${out.requestId}`);
    // The init phase as measured, not the wait before the first event.
    expect(lines[4]).toMatch(/^REPORT .*\tMemory Size: 256 MB\t.*Init Duration: 12\.50 ms/);
    const second = await invoker.invoke(event);
    expect(second.requestId).not.toBe(out.requestId);
    expect(lines.filter((l) => l.includes("Init Duration"))).toHaveLength(1);
  });

  it("captures Powertools Logger's JSON lines (what the consumer writes)", async () => {
    const logger = new Logger({ serviceName: "runner-test" });
    const lines: string[] = [];
    await new Invoker(
      async () => {
        logger.info("hello from powertools", { shard: "shardId-0" });
      },
      identity,
      (line) => lines.push(line),
    ).invoke(event);
    const json = lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json).toEqual([
      expect.objectContaining({
        level: "INFO",
        message: "hello from powertools",
        service: "runner-test",
        shard: "shardId-0",
      }),
    ]);
  });

  it("turns a thrown error into a function error with the runtime's error line", async () => {
    const lines: string[] = [];
    const out = await new Invoker(
      () => Promise.reject(new RangeError("out")),
      identity,
      (l) => lines.push(l),
    ).invoke(event);
    expect(out.result).toMatchObject({ kind: "threw", error: expect.any(RangeError) });
    expect(
      lines.some((l) => l.includes("\tERROR\tInvoke Error \t") && l.includes('"errorType":"RangeError"')),
    ).toBe(true);
  });

  it("ends an invocation that runs past the function timeout as a function error", async () => {
    const lines: string[] = [];
    const out = await new Invoker(
      () => new Promise(() => undefined),
      identity,
      (l) => lines.push(l),
    ).invoke(event);
    expect(out.result).toMatchObject({ kind: "threw", error: expect.any(TimeoutError) });
    expect(out.durationMs).toBeGreaterThanOrEqual(990);
    expect(lines.some((l) => l.endsWith("Task timed out after 1.00 seconds"))).toBe(true);
  });
});

import {
  consoleLine,
  endLine,
  invokeErrorLine,
  logGroupName,
  logStreamName,
  reportLine,
  startLine,
} from "./lambda-log-lines.js";

describe("Lambda runtime log lines", () => {
  const id = "8f507cfc-xmpl-4697-b07a-ac58fc914c95";
  it("formats START, END and REPORT like the runtime", () => {
    expect(startLine(id)).toBe(`START RequestId: ${id} Version: $LATEST`);
    expect(endLine(id)).toBe(`END RequestId: ${id}`);
    expect(reportLine(id, { durationMs: 3.347, memorySizeMb: 128, maxMemoryUsedMb: 67.4 })).toBe(
      `REPORT RequestId: ${id}\tDuration: 3.35 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 67 MB\t`,
    );
    expect(
      reportLine(id, { durationMs: 1, memorySizeMb: 128, maxMemoryUsedMb: 1, initDurationMs: 180.25 }),
    ).toMatch(/\tBilled Duration: 1 ms\t.*\tInit Duration: 180.25 ms\t$/);
  });

  it("formats console output and unhandled errors", () => {
    expect(consoleLine(Date.parse("2019-06-07T19:11:20.562Z"), id, "INFO", "hi")).toBe(
      `2019-06-07T19:11:20.562Z\t${id}\tINFO\thi`,
    );
    const line = invokeErrorLine(0, id, new TypeError("bad"));
    expect(line).toContain("\tERROR\tInvoke Error \t");
    expect(JSON.parse(line.split("Invoke Error \t")[1] as string)).toMatchObject({
      errorType: "TypeError",
      errorMessage: "bad",
    });
  });

  it("names the log group and stream like Lambda", () => {
    expect(logGroupName("kjp-dev-consumer")).toBe("/aws/lambda/kjp-dev-consumer");
    expect(logStreamName(Date.parse("2024-03-05T07:08:09Z"), "a".repeat(32))).toBe(
      `2024/03/05/[$LATEST]${"a".repeat(32)}`,
    );
    expect(logStreamName(0)).toMatch(/^1970\/01\/01\/\[\$LATEST\][0-9a-f]{32}$/);
  });
});

import { jest } from "@jest/globals";
import { installLogCapture, outsideCapture, runWithLogSink, type LogSink } from "./log-capture.js";

function recorder(): LogSink & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    console: (level, message) => lines.push(`${level} ${message}`),
    raw: (text) => lines.push(`raw ${text}`),
  };
}

describe("log capture per invocation", () => {
  it("routes console and stdout writes to the sink of the invocation they run for", async () => {
    const uninstall = installLogCapture();
    try {
      const a = recorder();
      const b = recorder();
      await Promise.all([
        runWithLogSink(a, async () => {
          console.log("a1 %d", 1);
          await new Promise((r) => setTimeout(r, 5));
          process.stdout.write('{"json":"a"}\n');
          console.error("a2");
        }),
        runWithLogSink(b, async () => {
          await new Promise((r) => setTimeout(r, 1));
          console.warn("b1");
        }),
      ]);
      expect(a.lines).toEqual(["INFO a1 1", 'raw {"json":"a"}\n', "ERROR a2"]);
      expect(b.lines).toEqual(["WARN b1"]);
    } finally {
      uninstall();
    }
  });

  it("lets captured lines be echoed to the real stdout without capturing them again", async () => {
    const echoed: string[] = [];
    // Stand in for the terminal underneath the capture, to see what reaches it.
    const terminal = jest
      .spyOn(process.stdout, "write")
      .mockImplementation(((chunk: string) => echoed.push(chunk) > 0) as never);
    const uninstall = installLogCapture();
    const sink = recorder();
    try {
      await runWithLogSink(
        {
          console: (level, message) => {
            sink.console(level, message);
            outsideCapture(() => process.stdout.write(`${level} ${message}\n`));
          },
          raw: sink.raw,
        },
        async () => console.log("once"),
      );
    } finally {
      uninstall();
      terminal.mockRestore();
    }
    expect(sink.lines).toEqual(["INFO once"]);
    expect(echoed).toEqual(["INFO once\n"]);
  });

  it("restores the original writers when the last runner uninstalls", () => {
    const original = process.stdout.write;
    const originalLog = console.log;
    const first = installLogCapture();
    const second = installLogCapture();
    first();
    expect(process.stdout.write).not.toBe(original);
    second();
    expect(process.stdout.write).toBe(original);
    expect(console.log).toBe(originalLog);
  });
});

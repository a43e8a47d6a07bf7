import { register } from "./demo.js";
import { buildProgram } from "../main.js";
import type { DemoOptions, DemoResult } from "../../dev/demo/run-demo.js";
import { DemoInterruptedError } from "../../dev/demo/run-demo.js";

/** `kjp demo`'s own job: options in, exit code and output out (runDemo itself runs in test/integration/demo). */
function resultWith(reconciled: boolean): DemoResult {
  return {
    summary: {
      published: 12,
      rows: [{ outcome: "processed", expected: 5, consumer: 5, ledger: reconciled ? 5 : 4 }],
      unexpectedLedgerItems: 0,
      reconciled,
      differences: reconciled ? [] : ["processed: expected 5, ledger 4"],
    },
    exitCode: reconciled ? 0 : 1,
    reusedStack: false,
    consumer: { invocations: 1, processed: 5, duplicate: 1, rejected: 6, failed: 0, rejectedByReason: {} },
    runner: { invocations: 1, retries: 0, discardedRecords: 0, errors: 0 },
    timings: { startMs: 1, publishMs: 2, drainMs: 3, totalMs: 6 },
  };
}

async function kjpDemo(args: string[], run: (o: DemoOptions) => Promise<DemoResult>) {
  const io = { out: "", err: "", exitCode: -1, options: undefined as DemoOptions | undefined };
  const program = buildProgram([
    (p) =>
      register(p, {
        run: async (options) => {
          io.options = options;
          options.log?.("a human line");
          return run(options);
        },
        out: (t) => void (io.out += t),
        err: (t) => void (io.err += t),
        setExitCode: (c) => void (io.exitCode = c),
      }),
  ]);
  await program.parseAsync(["node", "kjp", "demo", ...args]);
  return io;
}

describe("kjp demo", () => {
  test("defaults: 500 messages over 50 accounts, human lines on stdout, exit 0 when reconciled", async () => {
    const io = await kjpDemo([], async () => resultWith(true));
    expect(io.options).toMatchObject({ messages: 500, accounts: 50, keep: false });
    expect(io.out).toBe("a human line\n");
    expect(io.exitCode).toBe(0);
  });

  test("exit 1 when the summary does not reconcile; --json puts only the document on stdout", async () => {
    const io = await kjpDemo(["--messages", "12", "--json"], async () => resultWith(false));
    expect(io.options).toMatchObject({ messages: 12, tty: false });
    expect(io.err).toBe("a human line\n");
    expect(JSON.parse(io.out)).toMatchObject({
      reconciled: false,
      differences: ["processed: expected 5, ledger 4"],
    });
    expect(io.exitCode).toBe(1);
  });

  test("an interrupted demo exits 130", async () => {
    const io = await kjpDemo([], async () => {
      throw new DemoInterruptedError("SIGINT");
    });
    expect(io.err).toMatch(/interrupted \(SIGINT\)/);
    expect(io.exitCode).toBe(130);
  });

  test("--stack picks what is started: embedded by default, localstack on request, nothing else", async () => {
    expect((await kjpDemo([], async () => resultWith(true))).options?.stack).toBe("embedded");
    expect((await kjpDemo(["--stack", "localstack"], async () => resultWith(true))).options?.stack).toBe(
      "localstack",
    );
    await expect(kjpDemo(["--stack", "docker"], async () => resultWith(true))).rejects.toThrow(
      /Allowed choices are embedded, localstack/,
    );
  });

  test("--messages must be a positive integer", async () => {
    await expect(kjpDemo(["--messages", "many"], async () => resultWith(true))).rejects.toThrow(
      /--messages "many" is not a positive integer/,
    );
  });
});

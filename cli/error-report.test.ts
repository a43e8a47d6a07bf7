import { ConfigurationError, TransientError } from "../lib/errors/kjp-error.js";
import { connectionProblem, reportError } from "./error-report.js";

function refused(): Error {
  return Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4567"), {
    code: "ECONNREFUSED",
    address: "127.0.0.1",
    port: 4567,
  });
}

describe("reportError", () => {
  test("a refused endpoint is a configuration problem (exit 2) naming the address, with no stack", () => {
    const report = reportError(refused());
    expect(report.exitCode).toBe(2);
    expect(report.text).toMatch(/^kjp: cannot reach 127\.0\.0\.1:4567 \(ECONNREFUSED\)\n {2}hint: /);
    expect(report.text).not.toMatch(/unexpected|at .*\.js/);
  });

  test("the connection error is found through causes and AggregateErrors", () => {
    const wrapped = new TransientError("stack_unreachable", "the stack could not be prepared", {
      cause: new AggregateError([refused()], "all addresses failed"),
    });
    expect(connectionProblem(wrapped)).toEqual({ code: "ECONNREFUSED", where: "127.0.0.1:4567" });
    const report = reportError(wrapped);
    expect(report.exitCode).toBe(2);
    expect(report.text).toContain("the stack could not be prepared\n  cannot reach 127.0.0.1:4567");
  });

  test("an unknown host names the host", () => {
    const e = Object.assign(new Error("getaddrinfo ENOTFOUND kinesis.nowhere.invalid"), {
      code: "ENOTFOUND",
    });
    expect(reportError(e).text).toContain("cannot reach kinesis.nowhere.invalid (ENOTFOUND)");
  });

  test("our errors keep message and hint: configuration exits 2, transient exits 1", () => {
    expect(reportError(new ConfigurationError("no table", "set KJP_LEDGER_TABLE"))).toEqual({
      text: "kjp: no table\n  hint: set KJP_LEDGER_TABLE\n",
      exitCode: 2,
    });
    expect(reportError(new TransientError("busy", "try later")).exitCode).toBe(1);
  });

  test("anything else is one line; the stack only with KJP_DEBUG=1", () => {
    const plain = reportError(new TypeError("boom"), {});
    expect(plain.exitCode).toBe(1);
    expect(plain.text).toBe(
      "kjp: unexpected error: TypeError: boom\n  hint: run again with KJP_DEBUG=1 for the stack trace\n",
    );
    expect(reportError(new TypeError("boom"), { KJP_DEBUG: "1" }).text).toContain("at ");
  });
});

import { allowedHost, cookieValue, presentedToken, sameSecret } from "./access.js";
import { FailuresQuery, ReplayRequest } from "./api-schemas.js";
import { MASK, maskPersonal } from "./masking.js";
import { outcomeChart, recentProblems } from "./overview.js";

describe("access", () => {
  test("the token is taken from the query, a Bearer header or the cookie", () => {
    const url = (q: string) => new URL(`http://127.0.0.1:9/${q}`);
    expect(presentedToken(url("?token=a"), {})).toBe("a");
    expect(presentedToken(url(""), { authorization: "Bearer b" })).toBe("b");
    expect(presentedToken(url(""), { cookie: "x=1; kjp_console=c" })).toBe("c");
    expect(presentedToken(url(""), { authorization: "Basic b" })).toBeUndefined();
  });
  test("secrets compare exactly, missing ones never match", () => {
    expect(sameSecret("abc", "abc")).toBe(true);
    expect(sameSecret("abd", "abc")).toBe(false);
    expect(sameSecret("ab", "abc")).toBe(false);
    expect(sameSecret(undefined, "abc")).toBe(false);
  });
  test("only our own host and port are answered (DNS rebinding)", () => {
    expect(allowedHost("127.0.0.1:8080", 8080)).toBe(true);
    expect(allowedHost("localhost:8080", 8080)).toBe(true);
    expect(allowedHost("evil.example:8080", 8080)).toBe(false);
    expect(allowedHost("127.0.0.1:8081", 8080)).toBe(false);
    expect(allowedHost(undefined, 8080)).toBe(false);
  });
  test("cookie values by name", () => {
    expect(cookieValue("a=1; b=2", "b")).toBe("2");
    expect(cookieValue(undefined, "b")).toBeUndefined();
  });
});

describe("masking", () => {
  test("personal fields are masked at any depth, the rest kept", () => {
    expect(
      maskPersonal({
        contactId: "con_1",
        email: "ada@example.com",
        givenName: "Ada",
        address: { street: "1 Main St", city: "London" },
        phones: [{ mobilePhone: "+44" }],
        tags: ["vip"],
      }),
    ).toEqual({
      contactId: "con_1",
      email: MASK,
      givenName: MASK,
      address: { street: MASK, city: "London" },
      phones: [{ mobilePhone: MASK }],
      tags: ["vip"],
    });
  });
  test("non-objects pass through", () => {
    expect(maskPersonal(null)).toBeNull();
    expect(maskPersonal("x")).toBe("x");
  });
});

describe("overview chart", () => {
  const since = Date.parse("2026-11-27T10:00:00Z");
  const until = Date.parse("2026-11-27T10:02:30Z");
  test("counter rows per minute, outcome and type, reasons added up; rows outside the window are ignored", () => {
    const chart = outcomeChart(
      [
        { minute: "2026-11-27T10:00", outcome: "processed", type: "a", n: 7 },
        { minute: "2026-11-27T10:00", outcome: "duplicate", type: "a", n: 2 },
        { minute: "2026-11-27T10:02", outcome: "rejected", type: "(other)", reason: "unknown_key", n: 1 },
        { minute: "2026-11-27T10:02", outcome: "rejected", type: "(other)", reason: "malformed", n: 3 },
        { minute: "2026-11-27T10:01", outcome: "parked", type: "a", reason: "parked_behind", n: 4 },
        { minute: "2026-11-27T09:59", outcome: "processed", type: "a", n: 100 },
      ],
      since,
      until,
    );
    expect(chart.minutes).toEqual(["2026-11-27T10:00", "2026-11-27T10:01", "2026-11-27T10:02"]);
    expect(chart.statuses).toEqual(["processed", "duplicate", "rejected", "failed", "parked"]);
    expect(chart.series.map((s) => s.type)).toEqual(["(other)", "a"]);
    expect(chart.series[1]!.counts.processed).toEqual([7, 0, 0]);
    expect(chart.series[1]!.counts.duplicate).toEqual([2, 0, 0]);
    expect(chart.series[1]!.counts.parked).toEqual([0, 4, 0]);
    expect(chart.series[0]!.counts.rejected).toEqual([0, 0, 4]);
    expect(chart.totals).toEqual({ processed: 7, duplicate: 2, rejected: 4, failed: 0, parked: 4 });
  });
  test("recent problems: rejected, failed and replayed items, newest first", () => {
    const items = [
      { pk: "1", status: "rejected", updatedAt: "2026-11-27T10:00:10Z" },
      { pk: "2", status: "failed", updatedAt: "2026-11-27T10:01:10Z" },
      { pk: "3", status: "in_progress", updatedAt: "2026-11-27T10:02:10Z" },
      { pk: "4", status: "replayed", updatedAt: "2026-11-27T10:00:50Z" },
    ];
    expect(recentProblems(items, 2).map((i) => i.pk)).toEqual(["2", "4"]);
  });
});

describe("API schemas", () => {
  test("failures query: defaults, and a bad status or page size is refused", () => {
    expect(FailuresQuery.parse({})).toMatchObject({ status: "all", pageSize: 50 });
    expect(FailuresQuery.safeParse({ status: "done" }).success).toBe(false);
    expect(FailuresQuery.safeParse({ pageSize: "5000" }).success).toBe(false);
  });
  test("replay request: a source and dryRun are required, unknown sources refused", () => {
    expect(ReplayRequest.safeParse({ source: { from: "ledger" }, dryRun: true }).success).toBe(true);
    expect(ReplayRequest.safeParse({ source: { from: "ledger" } }).success).toBe(false);
    expect(ReplayRequest.safeParse({ source: { from: "elsewhere" }, dryRun: true }).success).toBe(false);
  });
});

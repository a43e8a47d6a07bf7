// The console's front end: plain DOM, one module, hash routes. Every value from the API is put into the page
// as text (never as HTML): ledger items carry hostile, unverified strings.

type Json = Record<string, unknown>;
type Child = Node | string | number | null | undefined | false;

interface Session {
  csrfToken: string;
  allowReplay: boolean;
  ledgerTable: string;
  statuses: { activity: string[]; failures: string[] };
}

const COLORS: Record<string, string> = {
  processed: "#3b8b5a",
  duplicate: "#8aa0b8",
  rejected: "#d08a1e",
  failed: "#c23b32",
  parked: "#8a63c7",
  replayed: "#5a7fd0",
};
const color = (status: string) => COLORS[status] ?? "#8a63c7";

function h(
  tag: string,
  attrs: Record<string, string | ((e: Event) => void)> = {},
  ...children: Child[]
): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === "function") el.addEventListener(k, v);
    else el.setAttribute(k, v);
  }
  for (const c of children)
    if (c !== null && c !== undefined && c !== false) el.append(typeof c === "number" ? String(c) : c);
  return el;
}

const SVG = "http://www.w3.org/2000/svg";
function s(tag: string, attrs: Record<string, string | number>, ...children: Node[]): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {
    super(String(body.message ?? `HTTP ${status}`));
  }
}

async function api<T = Json>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, { credentials: "same-origin", ...init });
  const body = (await res.json().catch(() => ({}))) as Json;
  if (!res.ok && res.status !== 404) throw new ApiError(res.status, body);
  return body as T;
}

let session: Session;
const main = () => document.getElementById("main")!;
const show = (...nodes: Child[]) =>
  main().replaceChildren(...nodes.filter((n): n is Node | string => !!n || n === ""));
const errorBox = (e: unknown) =>
  h(
    "div",
    { class: "error" },
    e instanceof ApiError ? `${e.message}${e.body.hint ? ` (${String(e.body.hint)})` : ""}` : String(e),
  );

function params(): URLSearchParams {
  const q = location.hash.indexOf("?");
  return new URLSearchParams(q < 0 ? "" : location.hash.slice(q + 1));
}
const go = (route: string, p: Record<string, string> = {}) => {
  const q = new URLSearchParams(Object.entries(p).filter(([, v]) => v !== "")).toString();
  location.hash = `#/${route}${q ? `?${q}` : ""}`;
};

// ---- Overview
function chart(minutes: string[], statuses: string[], counts: Record<string, number[]>): SVGElement {
  const width = 1100;
  const height = 120;
  const max = Math.max(
    1,
    ...minutes.map((_, i) => statuses.reduce((n, st) => n + (counts[st]?.[i] ?? 0), 0)),
  );
  const bar = width / minutes.length;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height + 16}`, width: "100%", role: "img" });
  minutes.forEach((minute, i) => {
    let y = height;
    for (const st of statuses) {
      const n = counts[st]?.[i] ?? 0;
      if (!n) continue;
      const barHeight = (n / max) * height;
      y -= barHeight;
      const rect = s("rect", {
        x: i * bar,
        y,
        width: Math.max(1, bar - 0.5),
        height: barHeight,
        fill: color(st),
        "data-status": st,
      });
      rect.append(s("title", {}, document.createTextNode(`${minute} ${st}: ${n}`)));
      svg.append(rect);
    }
  });
  for (const i of [0, Math.floor(minutes.length / 2), minutes.length - 1]) {
    const label = s("text", {
      x: Math.min(i * bar, width - 90),
      y: height + 13,
      "font-size": 11,
      fill: "#555",
    });
    label.textContent = `${minutes[i]?.slice(11)} UTC`;
    svg.append(label);
  }
  return svg;
}

async function overviewPage() {
  const hours = params().get("hours") ?? "3";
  const o = await api<{
    chart: {
      minutes: string[];
      statuses: string[];
      series: Array<{ type: string; counts: Record<string, number[]> }>;
      totals: Record<string, number>;
    };
    cloudwatch?: { source: string; minutes?: string[]; counts?: Record<string, number[]>; problem?: string };
    recentProblems: Json[];
    oldestUnfinished: Json | null;
  }>(`/api/overview?hours=${encodeURIComponent(hours)}`);
  const { minutes, statuses, series, totals } = o.chart;
  // Colours through the CSSOM: the page's CSP allows no inline style attributes.
  const swatch = (st: string) => {
    const el = h("i");
    el.style.background = color(st);
    return el;
  };
  const legend = h("div", { class: "legend" }, ...statuses.map((st) => h("span", {}, swatch(st), st)));
  const oldest = o.oldestUnfinished;
  const cw = o.cloudwatch;
  show(
    h("h2", {}, `Last ${hours} h, per minute`),
    h(
      "p",
      { id: "window" },
      "window: ",
      ...["1", "3", "6"].map((n) => h("a", { class: "pill", href: `#/overview?hours=${n}` }, `${n} h`)),
    ),
    h(
      "div",
      { class: "cards" },
      ...statuses.map((st) =>
        h("div", { class: "card", "data-status": st }, h("div", { class: "n" }, totals[st] ?? 0), st),
      ),
      h(
        "div",
        { class: "card", id: "oldest" },
        h("div", {}, "Oldest unfinished"),
        oldest
          ? h(
              "a",
              { href: `#/message?${new URLSearchParams({ pk: String(oldest.link ?? oldest.pk) })}` },
              `${String(oldest.failedAt)} ${String(oldest.type ?? oldest.partitionKey ?? "")} (${String(oldest.reason ?? "")})`,
            )
          : h("div", { class: "ok" }, "none"),
      ),
    ),
    legend,
    ...(series.length === 0 ? [h("p", {}, "Nothing counted in this window.")] : []),
    ...series.map((t) =>
      h(
        "div",
        { class: "chart", "data-type": t.type },
        h("h3", {}, t.type),
        chart(minutes, statuses, t.counts),
      ),
    ),
    h(
      "p",
      { id: "source" },
      "Per type: the ledger's per-minute outcome counters, written once per batch after its commit (telemetry: a crash between the two loses a batch's counts, a redelivered batch counts again as duplicates; the ledger itself is the record).",
    ),
    cw
      ? h(
          "div",
          { class: "chart", id: "cloudwatch" },
          h("h3", {}, `All types, from ${cw.source}`),
          cw.problem
            ? h("div", { class: "error" }, `not readable: ${cw.problem}`)
            : chart(cw.minutes ?? [], statuses, cw.counts ?? {}),
        )
      : null,
    h("h3", {}, "Recent problems"),
    o.recentProblems.length === 0
      ? h("p", {}, "None in this window.")
      : h(
          "table",
          { id: "recent" },
          h(
            "tr",
            {},
            ...["updated", "status", "reason", "type", "now", "message"].map((c) => h("th", {}, c)),
          ),
          ...o.recentProblems.map((i) =>
            h(
              "tr",
              {},
              h("td", {}, String(i.updatedAt ?? "")),
              h("td", {}, String(i.status ?? "")),
              h("td", {}, String(i.reason ?? "")),
              h("td", {}, String(i.type ?? "")),
              h("td", { class: "now" }, String(i.statusNow ?? "")),
              h(
                "td",
                {},
                h("a", { href: `#/message?${new URLSearchParams({ pk: String(i.pk) })}` }, String(i.pk)),
              ),
            ),
          ),
        ),
  );
}

// ---- Failures
async function failuresPage() {
  const p = params();
  const q = Object.fromEntries(
    ["status", "reason", "type", "issuer", "partitionKey", "since", "until", "cursor"].flatMap((k) =>
      p.get(k) ? [[k, p.get(k)!]] : [],
    ),
  );
  const res = await api<{ items: Json[]; next?: string }>(
    `/api/failures?${new URLSearchParams({ ...q, pageSize: "50" })}`,
  );
  const field = (name: string, label: string, placeholder = "") =>
    h("label", {}, label, h("input", { name, value: q[name] ?? "", placeholder }));
  const statusSelect = h(
    "select",
    { name: "status" },
    ...["all", ...session.statuses.failures].map((st) => {
      const o = h("option", { value: st }, st) as HTMLOptionElement;
      o.selected = (q.status ?? "all") === st;
      return o;
    }),
  );
  const form = h(
    "form",
    {
      class: "filters",
      submit: (e: Event) => {
        e.preventDefault();
        const data = new FormData(e.target as HTMLFormElement);
        go("failures", Object.fromEntries([...data.entries()].map(([k, v]) => [k, String(v).trim()])));
      },
    },
    h("label", {}, "status", statusSelect),
    field("reason", "reason", "e.g. unknown_key"),
    field("type", "type"),
    field("issuer", "issuer"),
    field("partitionKey", "partition key"),
    field("since", "since", "6h or ISO time"),
    field("until", "until"),
    h("button", { type: "submit" }, "Filter"),
  );
  // Counts come in a second call, so the table shows without waiting for them.
  const counts = h("div", { id: "counts" }, "counting…");
  void api<{ countsByReason: Record<string, number> }>(
    `/api/failures/counts?${new URLSearchParams(Object.fromEntries(Object.entries(q).filter(([k]) => k !== "cursor" && k !== "reason")))}`,
  )
    .then((c) =>
      counts.replaceChildren(
        ...Object.entries(c.countsByReason)
          .sort((a, b) => b[1] - a[1])
          .map(([reason, n]) =>
            h(
              "a",
              { class: "pill", href: `#/failures?${new URLSearchParams({ ...q, reason, cursor: "" })}` },
              `${reason}: ${n}`,
            ),
          ),
      ),
    )
    .catch((e: unknown) => counts.replaceChildren(errorBox(e)));
  const rows = res.items.map((i) =>
    h(
      "tr",
      {},
      h("td", {}, String(i.failedAt ?? "")),
      h("td", {}, String(i.status ?? "")),
      h("td", {}, String(i.reason ?? "")),
      h("td", {}, String(i.type ?? "")),
      h("td", {}, String(i.partitionKey ?? "")),
      h(
        "td",
        {},
        h(
          "a",
          {
            href: `#/message?${new URLSearchParams({ pk: String(i.link ?? i.pk) })}`,
          },
          i.parkedRecords !== undefined
            ? `${String(i.position)} (${String(i.parkedRecords)} parked)`
            : String(i.jti ?? i.position ?? "?"),
        ),
      ),
      h("td", { class: "detail" }, String(i.detail ?? "")),
    ),
  );
  show(
    h("h2", {}, "Failures"),
    form,
    h("h3", {}, "By reason"),
    counts,
    h(
      "table",
      { id: "failures" },
      h(
        "tr",
        {},
        ...["failed at", "status", "reason", "type", "partition key", "message", "detail"].map((c) =>
          h("th", {}, c),
        ),
      ),
      ...rows,
    ),
    res.items.length === 0 ? h("p", {}, "No failures match.") : null,
    res.next
      ? h(
          "p",
          {},
          h("a", { href: `#/failures?${new URLSearchParams({ ...q, cursor: res.next })}` }, "Next page →"),
        )
      : null,
    session.allowReplay && res.items.length > 0
      ? h(
          "p",
          {},
          h(
            "a",
            {
              href: `#/replay?${new URLSearchParams({ from: "ledger", ...(q.status && q.status !== "all" ? { status: q.status } : {}), ...(q.reason ? { reasons: q.reason } : {}), ...(q.type ? { types: q.type } : {}) })}`,
            },
            "Replay these from the ledger →",
          ),
        )
      : null,
  );
}

// ---- Message
async function messagePage() {
  const p = params();
  const target = p.get("target") ?? "";
  const issuer = p.get("issuer") ?? "";
  const reveal = p.get("reveal") === "1";
  const pk = p.get("pk") ?? "";
  // A ledger key (the console's own links) is looked up directly; a typed jti or position as kjp inspect does.
  const lookup: Record<string, string> = pk ? { pk } : { target, ...(issuer ? { issuer } : {}) };
  const form = h(
    "form",
    {
      class: "filters",
      submit: (e: Event) => {
        e.preventDefault();
        const d = new FormData(e.target as HTMLFormElement);
        go("message", { target: String(d.get("target")).trim(), issuer: String(d.get("issuer")).trim() });
      },
    },
    h("label", {}, "jti or shard:sequence", h("input", { name: "target", value: target, size: "48" })),
    h("label", {}, "issuer (optional)", h("input", { name: "issuer", value: issuer })),
    h("button", { type: "submit" }, "Show"),
  );
  if (!target && !pk) return show(h("h2", {}, "Message"), form);
  const res = await api<{ found: boolean; masked: boolean; report: Json }>(
    `/api/message?${new URLSearchParams({ ...lookup, reveal: reveal ? "1" : "0" })}`,
  );
  const r = res.report;
  const v = r.verification as Json | undefined;
  const verdict = !v
    ? h("p", { class: "bad" }, String(r.tokenProblem ?? "no token"))
    : v.outcome === "accepted"
      ? h(
          "p",
          { id: "verdict", class: "ok" },
          `accepted now with today's keys (${String(v.type)} v${String(v.v)}): a replay would pass verification`,
        )
      : h(
          "p",
          { id: "verdict", class: "bad" },
          `${String(v.outcome)}: ${String(v.reason ?? "")} ${String(v.detail ?? "")}`,
        );
  const horizon = r.verificationWithReplayHorizon as Json | undefined;
  const park = r.park as Json | undefined;
  show(
    h("h2", {}, "Message"),
    form,
    res.found ? null : h("p", { class: "bad" }, "Nothing in the ledger or the stream for this message."),
    r.position
      ? h("p", {}, `position ${String(r.position)} · token from ${String(r.tokenFrom ?? "-")}`)
      : null,
    h("h3", {}, "Verification now"),
    verdict,
    horizon
      ? h("p", {}, `with the replay horizon: ${String(horizon.outcome)} ${String(horizon.reason ?? "")}`)
      : null,
    park
      ? h(
          "p",
          { id: "park", class: park.parked ? "bad" : "" },
          park.parked
            ? `partition key ${JSON.stringify(park.partitionKey)} is parked since ${String(park.since)}: ${String(park.records)} record(s) held${park.thisRecord ? ", this one among them" : ""}; drain with kjp replay --from parked --key ${JSON.stringify(park.partitionKey)}`
            : `partition key ${JSON.stringify(park.partitionKey)} is not parked`,
        )
      : null,
    h("h3", {}, "Header (unverified)"),
    h("pre", {}, JSON.stringify(r.header ?? null, null, 2)),
    h(
      "h3",
      {},
      "Claims (unverified)",
      " ",
      h(
        "a",
        {
          id: "reveal",
          href: `#/message?${new URLSearchParams({ ...lookup, ...(reveal ? {} : { reveal: "1" }) })}`,
        },
        res.masked ? "reveal personal fields" : "mask personal fields",
      ),
    ),
    h("pre", { id: "claims" }, JSON.stringify(r.claims ?? null, null, 2)),
    h("h3", {}, "Ledger history"),
    h("pre", { id: "history" }, JSON.stringify(r.ledger ?? [], null, 2)),
  );
}

// ---- Replay
async function replayPage() {
  const p = params();
  if (!session.allowReplay)
    return show(
      h("h2", {}, "Replay"),
      h("p", {}, "This console is read-only. Start it with kjp console --allow-replay to replay from here."),
    );
  const form = h(
    "form",
    { class: "filters", id: "replay-form" },
    h(
      "label",
      {},
      "source",
      h(
        "select",
        { name: "from" },
        ...["ledger", "onfailure", "cloudwatch"].map((f) => {
          const o = h("option", { value: f }, f) as HTMLOptionElement;
          o.selected = (p.get("from") ?? "ledger") === f;
          return o;
        }),
      ),
    ),
    h(
      "label",
      {},
      "ledger status",
      h(
        "select",
        { name: "status" },
        ...["", ...session.statuses.failures].map((st) => {
          const o = h("option", { value: st }, st || "all") as HTMLOptionElement;
          o.selected = (p.get("status") ?? "") === st;
          return o;
        }),
      ),
    ),
    h(
      "label",
      {},
      "reasons",
      h("input", { name: "reasons", value: p.get("reasons") ?? "", placeholder: "comma-separated" }),
    ),
    h("label", {}, "types", h("input", { name: "types", value: p.get("types") ?? "" })),
    h(
      "label",
      {},
      "since",
      h("input", { name: "since", value: p.get("since") ?? "", placeholder: "6h or ISO time" }),
    ),
    h("label", {}, "until", h("input", { name: "until", value: p.get("until") ?? "" })),
    h("label", {}, "limit", h("input", { name: "limit", value: p.get("limit") ?? "", size: "6" })),
  );
  const out = h("div", { id: "replay-result" });
  const run = async (dryRun: boolean) => {
    const d = new FormData(form as HTMLFormElement);
    const list = (k: string) =>
      String(d.get(k) ?? "")
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean);
    const from = String(d.get("from"));
    const status = String(d.get("status") ?? "");
    const body = {
      source: from === "ledger" ? { from, ...(status ? { status } : {}) } : { from },
      filters: {
        ...(String(d.get("since") ?? "") ? { since: String(d.get("since")) } : {}),
        ...(String(d.get("until") ?? "") ? { until: String(d.get("until")) } : {}),
        ...(list("types").length ? { types: list("types") } : {}),
        ...(list("reasons").length ? { reasons: list("reasons") } : {}),
      },
      ...(String(d.get("limit") ?? "") ? { limit: Number(d.get("limit")) } : {}),
      dryRun,
    };
    out.replaceChildren(h("p", {}, dryRun ? "Dry run…" : "Replaying…"));
    try {
      let job = await api<Json>("/api/replay", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": session.csrfToken },
        body: JSON.stringify(body),
      });
      const bar = h("progress", { max: "1", value: "0" }) as HTMLProgressElement;
      const label = h("span", {}, "");
      out.replaceChildren(h("p", {}, dryRun ? "Dry run: " : "Replay: ", bar, " ", label));
      while (job.state === "running") {
        await new Promise((r) => setTimeout(r, 300));
        job = await api<Json>(`/api/replay/${String(job.id)}`);
        const pr = job.progress as { phase: string; done: number; total: number };
        bar.max = Math.max(1, pr.total);
        bar.value = pr.done;
        label.textContent = `${pr.phase} ${pr.done}/${pr.total}`;
      }
      out.replaceChildren(...replayReport(job, dryRun));
    } catch (e) {
      out.replaceChildren(errorBox(e));
    }
  };
  const confirmBox = h("div", { id: "confirm" });
  const askConfirm = () =>
    confirmBox.replaceChildren(
      h("p", {}, "Replay writes to the ledger and projections through the consumer's pipeline. Go ahead?"),
      h(
        "button",
        {
          id: "confirm-replay",
          type: "button",
          click: () => {
            confirmBox.replaceChildren();
            void run(false);
          },
        },
        "Yes, replay",
      ),
      " ",
      h(
        "button",
        { class: "secondary", type: "button", click: () => confirmBox.replaceChildren() },
        "Cancel",
      ),
    );
  show(
    h("h2", {}, "Replay"),
    h(
      "p",
      {},
      "The same engine as kjp replay: signatures, issuer, audience and type verified again, exp widened only by the replay horizon, duplicates skipped.",
    ),
    form,
    h(
      "div",
      { class: "row" },
      h("button", { id: "dry-run", type: "button", click: () => void run(true) }, "Dry run"),
      h("button", { id: "replay", type: "button", class: "secondary", click: askConfirm }, "Replay…"),
    ),
    confirmBox,
    out,
  );
}

function replayReport(job: Json, dryRun: boolean): Node[] {
  if (job.state === "error") return [h("div", { class: "error" }, `${String((job.error as Json)?.message)}`)];
  const sum = job.summary as Json;
  const pairs = (o: unknown) =>
    Object.entries((o ?? {}) as Record<string, number>)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ") || "none";
  const card = (label: string, value: unknown) =>
    h("div", { class: "card" }, h("div", { class: "n" }, String(value)), label);
  return [
    h("h3", { id: "summary-title" }, dryRun ? "Dry run: nothing written" : "Replay finished"),
    h(
      "div",
      { class: "cards", id: "summary" },
      card("candidates", sum.candidates),
      card(dryRun ? "would process" : "processed", sum.processed),
      card("duplicates", sum.duplicates),
      card("rejected", pairs(sum.rejected)),
      card("still failing", pairs(sum.failed)),
      card("unrecoverable", (sum.unrecoverable as unknown[]).length),
      card("resolved", sum.resolved),
    ),
    h(
      "table",
      {},
      h("tr", {}, ...["candidate", "type", "reason", "state", "outcomes"].map((c) => h("th", {}, c))),
      ...((job.candidates as Json[]) ?? []).map((c) =>
        h(
          "tr",
          {},
          h("td", {}, String(c.id)),
          h("td", {}, String(c.type ?? "")),
          h("td", {}, String(c.reason ?? "")),
          h("td", {}, String(c.state)),
          h("td", {}, (c.outcomes as string[]).join(", ")),
        ),
      ),
    ),
  ];
}

// ---- Keys
async function keysPage() {
  const res = await api<{ issuers: Json[] }>(
    `/api/keys${params().get("refresh") === "1" ? "?refresh=1" : ""}`,
  );
  show(
    h("h2", {}, "Trusted issuers and keys"),
    h("p", {}, h("a", { href: "#/keys?refresh=1" }, "read the key sets again")),
    ...(res.issuers.length === 0 ? [h("p", {}, "KJP_ISSUERS is not set: no trusted issuers.")] : []),
    ...res.issuers.map((i) =>
      h(
        "div",
        { class: "chart" },
        h("h3", {}, String(i.issuer)),
        h("p", {}, `source: ${String(i.source)} (${String(i.kind)}) · read ${String(i.cacheAgeSec)} s ago`),
        i.problem ? h("div", { class: "error" }, String(i.problem)) : null,
        h(
          "table",
          {},
          h("tr", {}, ...["kid", "alg", "kty", "crv"].map((c) => h("th", {}, c))),
          ...(i.keys as Json[]).map((k) =>
            h(
              "tr",
              {},
              h("td", {}, String(k.kid)),
              h("td", {}, String(k.alg)),
              h("td", {}, String(k.kty)),
              h("td", {}, String(k.crv ?? "")),
            ),
          ),
        ),
      ),
    ),
  );
}

const PAGES: Record<string, () => Promise<void>> = {
  overview: overviewPage,
  failures: failuresPage,
  message: messagePage,
  replay: replayPage,
  keys: keysPage,
};

async function render() {
  const route = location.hash.replace(/^#\//, "").split("?")[0] || "overview";
  for (const a of document.querySelectorAll("header nav a"))
    a.classList.toggle("active", a.getAttribute("href") === `#/${route}`);
  const page = PAGES[route] ?? overviewPage;
  document.body.dataset.loading = "1";
  try {
    await page();
  } catch (e) {
    show(errorBox(e));
  } finally {
    delete document.body.dataset.loading;
    // Which route the page shows now: lets a test (or a person's script) wait for this exact render.
    document.body.dataset.rendered = location.hash;
  }
}

async function start() {
  try {
    session = await api<Session>("/api/session");
  } catch (e) {
    return show(errorBox(e));
  }
  document.getElementById("mode")!.textContent =
    `${session.ledgerTable} · ${session.allowReplay ? "replay allowed" : "read-only"}`;
  window.addEventListener("hashchange", () => void render());
  await render();
}

void start();

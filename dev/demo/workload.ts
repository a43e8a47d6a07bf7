import { uuidv7 } from "../../lib/envelope/uuidv7.js";
import { ConfigurationError } from "../../lib/errors/kjp-error.js";
import type { RejectionReason } from "../../lib/envelope/reasons.js";
import type { PublishRequest } from "../../lib/producer/types.js";
import { DEAL_STAGES } from "../../schemas/deal-stage-changed.v1.js";
import { seededRandom } from "../../lib/util/seeded-random.js";

/**
 * The demo workload: which records go on the stream and what the consumer must make of each one. The
 * outcome is decided here, at planning time, so the summary can be reconciled against it afterwards.
 */
export type DemoKind =
  | "valid"
  | "untrusted_kid" // signed by the untrusted key under its own kid
  | "forged_kid" // signed by the untrusted key while claiming a trusted kid
  | "expired"
  | "invalid_payload"
  | "unknown_type"
  | "duplicate"; // the exact token of an earlier valid message, put again

export type ExpectedOutcome =
  { status: "processed" } | { status: "duplicate" } | { status: "rejected"; reason: RejectionReason };

/** Which key signs a message: a trusted issuer's, or the untrusted one (with its own or a stolen kid). */
export type SigningIdentity = "crm" | "billing" | "untrusted" | "forged";

export interface PlannedMessage {
  kind: Exclude<DemoKind, "duplicate">;
  signer: SigningIdentity;
  request: PublishRequest & { jti: string; partitionKey: string };
  /** Signing time in seconds; set only for expired messages (a `now` far enough in the past). */
  signedAt?: number;
  expected: ExpectedOutcome;
}

export interface PlannedDuplicate {
  kind: "duplicate";
  /** jti of the valid message whose token is put again. */
  of: string;
  expected: { status: "duplicate" };
}

export interface DemoPlan {
  /** Published through the Publisher, in this order. */
  messages: PlannedMessage[];
  /** Put raw after their originals were acknowledged. */
  duplicates: PlannedDuplicate[];
  /** Records per kind (duplicates included): what `published` breaks down into. */
  counts: Record<DemoKind, number>;
  accounts: string[];
}

export interface WorkloadOptions {
  /** Records in total, duplicates included. */
  messages: number;
  /** Partition keys (accounts) the messages are spread over; default 50. */
  accounts?: number;
  /** Same seed, same plan (apart from fresh jtis). */
  seed?: number;
  /** Seconds since the epoch; default now. */
  now?: number;
  /** Token lifetime the signers use: expired messages are signed this long (plus a day) ago. */
  ttlSeconds?: number;
}

export const MIN_DEMO_MESSAGES = 12;

/** Share of the records that are each kind of bad one; the rest are valid. */
const BAD_SHARES: ReadonlyArray<[Exclude<DemoKind, "valid">, number]> = [
  ["untrusted_kid", 0.03],
  ["forged_kid", 0.02],
  ["expired", 0.04],
  ["invalid_payload", 0.05],
  ["unknown_type", 0.03],
  ["duplicate", 0.05],
];

/** Every type and version the registry knows, each with a data maker. */
const VALID_TYPES: ReadonlyArray<{ type: string; v: number }> = [
  { type: "contact.upserted", v: 1 },
  { type: "contact.upserted", v: 2 },
  { type: "deal.stage_changed", v: 1 },
  { type: "note.added", v: 1 },
];

const EXPECTED: Record<Exclude<DemoKind, "duplicate">, ExpectedOutcome> = {
  valid: { status: "processed" },
  untrusted_kid: { status: "rejected", reason: "unknown_key" },
  forged_kid: { status: "rejected", reason: "bad_signature" },
  expired: { status: "rejected", reason: "expired" },
  invalid_payload: { status: "rejected", reason: "invalid_payload" },
  unknown_type: { status: "rejected", reason: "unknown_type" },
};

/** Records of each kind for `total` records: every bad kind at least once, the rest valid. */
export function workloadCounts(total: number): Record<DemoKind, number> {
  if (!Number.isSafeInteger(total) || total < MIN_DEMO_MESSAGES) {
    throw new ConfigurationError(
      `the demo needs at least ${MIN_DEMO_MESSAGES} messages, got ${total}`,
      `pass --messages ${MIN_DEMO_MESSAGES} or more`,
    );
  }
  const counts = { valid: 0 } as Record<DemoKind, number>;
  let bad = 0;
  for (const [kind, share] of BAD_SHARES) {
    counts[kind] = Math.max(1, Math.round(total * share));
    bad += counts[kind];
  }
  counts.valid = total - bad;
  return counts;
}

const ALNUM = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

export function planWorkload(options: WorkloadOptions): DemoPlan {
  const counts = workloadCounts(options.messages);
  const random = seededRandom(options.seed ?? 20261125);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const ttl = options.ttlSeconds ?? 7 * 86_400;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const id = (prefix: string, n = 12) =>
    `${prefix}_${Array.from({ length: n }, () => pick([...ALNUM])).join("")}`;
  const accounts = Array.from(
    { length: Math.max(1, options.accounts ?? 50) },
    (_, i) => `acc_DEMO${String(i + 1).padStart(4, "0")}`,
  );
  // Timestamps inside the data lie just before signing: the contact processor refuses ones in the future.
  const isoAgo = (maxSeconds: number) => new Date((now - 1 - random() * maxSeconds) * 1000).toISOString();
  const users = Array.from({ length: 6 }, () => id("usr"));

  const validData = (type: string, v: number, accountId: string): Record<string, unknown> => {
    const first = pick(["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken"]);
    const last = pick([
      "Lovelace",
      "Hopper",
      "Turing",
      "Dijkstra",
      "Liskov",
      "Knuth",
      "Hamilton",
      "Thompson",
    ]);
    const contactId = id("con");
    const email = `${first}.${last}.${contactId.slice(4, 10)}@example.com`.toLowerCase();
    switch (`${type}@${v}`) {
      case "contact.upserted@1":
        return {
          contactId,
          accountId,
          email,
          name: `${first} ${last}`,
          tags: ["demo"],
          updatedAt: isoAgo(3600),
        };
      case "contact.upserted@2":
        return {
          contactId,
          accountId,
          email,
          givenName: first,
          familyName: random() < 0.2 ? null : last,
          tags: random() < 0.5 ? ["demo", "vip"] : [],
          updatedAt: isoAgo(3600),
        };
      case "deal.stage_changed@1": {
        const to = Math.floor(random() * (DEAL_STAGES.length - 1)) + 1;
        return {
          dealId: id("deal"),
          accountId,
          fromStage: random() < 0.2 ? null : DEAL_STAGES[to - 1],
          toStage: DEAL_STAGES[to],
          amountMinor: Math.floor(random() * 5_000_000) + 100,
          currency: pick(["EUR", "USD", "GBP"]),
          changedAt: isoAgo(3600),
          changedBy: pick(users),
        };
      }
      case "note.added@1": {
        const mentions = random() < 0.5 ? [pick(users)] : [];
        return {
          noteId: id("note"),
          accountId,
          authorId: pick(users),
          body: `Demo note about ${first} ${last}.`,
          mentions,
          createdAt: isoAgo(3600),
          notify: mentions.length > 0,
        };
      }
      default:
        throw new Error(`no demo data for ${type} v${v}`);
    }
  };

  const kinds: Exclude<DemoKind, "duplicate">[] = [];
  for (const kind of Object.keys(EXPECTED) as Exclude<DemoKind, "duplicate">[])
    for (let i = 0; i < counts[kind]; i++) kinds.push(kind);
  // Bad records scattered among good ones, as they would arrive in real life.
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j] as (typeof kinds)[number], kinds[i] as (typeof kinds)[number]];
  }

  let validIndex = 0;
  const messages = kinds.map((kind, i): PlannedMessage => {
    const accountId = accounts[i % accounts.length] as string;
    // Round-robin over types keeps every type and version present even in a small run.
    const { type, v } = VALID_TYPES[(kind === "valid" ? validIndex++ : i) % VALID_TYPES.length]!;
    const base = { jti: uuidv7(), sub: accountId, partitionKey: accountId };
    const data = validData(type, v, accountId);
    const planned = (
      signer: SigningIdentity,
      request: Pick<PublishRequest, "type" | "v" | "data">,
      signedAt?: number,
    ): PlannedMessage => ({
      kind,
      signer,
      request: { ...base, ...request },
      ...(signedAt === undefined ? {} : { signedAt }),
      expected: EXPECTED[kind],
    });
    switch (kind) {
      case "valid":
        return planned(validIndex % 2 === 0 ? "billing" : "crm", { type, v, data });
      case "untrusted_kid":
        return planned("untrusted", { type, v, data });
      case "forged_kid":
        return planned("forged", { type, v, data });
      case "expired":
        return planned("crm", { type, v, data }, now - ttl - 86_400);
      case "invalid_payload":
        return planned("crm", { type, v, data: breakData(type, data, random) });
      case "unknown_type":
        return planned(
          "crm",
          random() < 0.5
            ? { type: "invoice.paid", v: 1, data: { invoiceId: id("inv"), accountId } }
            : { type: "contact.upserted", v: 99, data },
        );
    }
  });

  const originals = messages.filter((m) => m.kind === "valid");
  const duplicates = Array.from({ length: counts.duplicate }, (_, i): PlannedDuplicate => ({
    kind: "duplicate",
    // Spread over the run rather than all copies of the first messages.
    of: originals[Math.floor((i * originals.length) / counts.duplicate)]!.request.jti,
    expected: { status: "duplicate" },
  }));
  return { messages, duplicates, counts, accounts };
}

/** A payload its schema refuses, in one of the ways producers actually get it wrong. */
function breakData(
  type: string,
  data: Record<string, unknown>,
  random: () => number,
): Record<string, unknown> {
  if (type === "deal.stage_changed") return { ...data, fromStage: data.toStage };
  if (type === "note.added") return { ...data, body: "   " };
  return random() < 0.5 ? { ...data, email: "not-an-email" } : { ...data, accountId: 42 };
}

import { createHash, randomBytes } from "node:crypto";
import { registry } from "../../../schemas/index.js";

/**
 * What the end-to-end test asks the Rails gem to publish: every registered message type and version, built
 * from the registry's own examples (so a schema change shows up here), spread over a few accounts with
 * ordered sequences per account, plus one message the consumer must reject. Pure data, no I/O.
 */

/** One line of the Ruby script's input (producers/ruby/script/e2e-publish). */
export interface GemMessage {
  type: string;
  v: number;
  data: Record<string, unknown>;
  partition_key: string;
  sub: string;
}

/** A deal's path through the stages, in publish order; amounts in minor units. */
export interface DealPlan {
  accountId: string;
  dealId: string;
  currency: string;
  amountMinor: number;
  stages: string[];
}

export interface GemWorkload {
  accounts: string[];
  /** Published first, by the ES256 producer. */
  es256: GemMessage[];
  /** Published second, by the EdDSA producer. */
  eddsa: GemMessage[];
  /** Published third, by HTTP requests to the gem's test Rails app (its controller publishes deal.stage_changed). */
  rails: GemMessage[];
  /** Index in `eddsa` of the message whose payload the consumer must refuse (reason invalid_payload). */
  invalidIndex: number;
  deals: DealPlan[];
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** Ids unique per run: the harness's projections table outlives a test file, and totals must start at zero. */
function freshId(prefix: string): string {
  return `${prefix}_${[...randomBytes(12)].map((b) => ALNUM[b % ALNUM.length]).join("")}`;
}

function example(type: string, v: number): Record<string, unknown> {
  const schema = registry.get(type, v);
  if (!schema) throw new Error(`the schema registry has no ${type} v${v}`);
  return structuredClone(schema.example) as Record<string, unknown>;
}

const message = (type: string, v: number, accountId: string, data: Record<string, unknown>): GemMessage => ({
  type,
  v,
  data: { ...example(type, v), ...data, accountId },
  partition_key: accountId,
  sub: accountId,
});

function dealSteps(deal: DealPlan): GemMessage[] {
  return deal.stages.map((toStage, i) =>
    message("deal.stage_changed", 1, deal.accountId, {
      dealId: deal.dealId,
      fromStage: i === 0 ? null : deal.stages[i - 1],
      toStage,
      amountMinor: deal.amountMinor,
      currency: deal.currency,
    }),
  );
}

/** Round-robin over the accounts' sequences, so the keys interleave in the stream while each keeps its order. */
function interleave(sequences: GemMessage[][]): GemMessage[] {
  const out: GemMessage[] = [];
  for (let i = 0; sequences.some((s) => i < s.length); i++) {
    for (const s of sequences) if (i < s.length) out.push(s[i]!);
  }
  return out;
}

/** Which half of Kinesis's 128-bit hash key range (MD5 of the partition key) a key falls in: its shard of two. */
const hashHalf = (partitionKey: string) => createHash("md5").update(partitionKey).digest()[0]! >> 7;

/**
 * Fresh account ids, at least one in each half of the hash key range, so a two-shard stream always carries
 * records on both shards (five random ids all land on one shard about one run in sixteen).
 */
function accountsOnBothShards(count: number): string[] {
  const accounts = Array.from({ length: count }, () => freshId("acc"));
  while (new Set(accounts.map(hashHalf)).size < 2) accounts[count - 1] = freshId("acc");
  return accounts;
}

export function planGemWorkload(accountCount = 5): GemWorkload {
  const accounts = accountsOnBothShards(accountCount);
  const deals: DealPlan[] = [];
  const deal = (accountId: string, amountMinor: number, stages: string[], currency = "EUR"): DealPlan => {
    const plan = { accountId, dealId: freshId("deal"), currency, amountMinor, stages };
    deals.push(plan);
    return plan;
  };

  const es256 = interleave(
    accounts.map((acc, i) => [
      message("contact.upserted", 2, acc, { contactId: freshId("con") }),
      ...dealSteps(deal(acc, 100_000 * (i + 1), ["lead", "qualified", "proposal"])),
      ...(i < 2 ? dealSteps(deal(acc, 7_500 + i, ["qualified", "closed_won"])) : []),
      ...(i < 3 ? [message("note.added", 1, acc, { noteId: freshId("note"), notify: i === 0 })] : []),
      ...(i >= 3 ? [message("contact.upserted", 1, acc, { contactId: freshId("con") })] : []),
    ]),
  );

  const eddsaSequences = accounts.map((acc, i) =>
    dealSteps(deal(acc, 33_000 + i, ["negotiation", "closed_won"], i === 2 ? "USD" : "EUR")),
  );
  // Same stage on both sides: valid JSON, signed correctly, refused by the schema (the gem does not validate
  // by default). Placed mid-sequence so the records after it on the same key must still be processed.
  const last = accounts[accounts.length - 1]!;
  eddsaSequences[accounts.length - 1]!.splice(
    1,
    0,
    message("deal.stage_changed", 1, last, {
      dealId: freshId("deal"),
      fromStage: "proposal",
      toStage: "proposal",
    }),
  );
  eddsaSequences[0]!.push(message("note.added", 1, accounts[0]!, { noteId: freshId("note"), notify: false }));
  const eddsa = interleave(eddsaSequences);
  const invalidIndex = eddsa.findIndex(
    (m) =>
      m.type === "deal.stage_changed" && m.data.fromStage !== null && m.data.fromStage === m.data.toStage,
  );
  // The app's action sends what a request carries: no changedBy (the example's) in these.
  const rails = interleave(
    accounts.slice(0, 2).map((acc, i) =>
      dealSteps(deal(acc, 55_000 + i, ["lead", "closed_lost"])).map((m) => {
        delete m.data.changedBy;
        return m;
      }),
    ),
  );
  return { accounts, es256, eddsa, rails, invalidIndex, deals };
}

/**
 * The pipeline totals an account must end with in one currency: for every stage any of its deals passed
 * through, how many deals (and how much) sit there now. Derived from the plan, not from the processor.
 */
export function expectedPipelineTotals(
  deals: readonly DealPlan[],
  accountId: string,
  currency: string,
): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const d of deals) {
    if (d.accountId !== accountId || d.currency !== currency) continue;
    for (const s of d.stages) {
      totals[`count_${s}`] ??= 0;
      totals[`amount_${s}`] ??= 0;
    }
    const final = d.stages[d.stages.length - 1]!;
    totals[`count_${final}`]! += 1;
    totals[`amount_${final}`]! += d.amountMinor;
  }
  return totals;
}

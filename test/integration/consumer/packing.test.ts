import {
  accountItems,
  dealMessage,
  event,
  FakeShard,
  id,
  type Message,
  pipelineFor,
  recordsOf,
  useTestEnv,
} from "./support.js";

const env = useTestEnv();

/**
 * Transactions are packed by the items they really write: a key whose messages all update one totals item
 * costs one item per message plus one for the coalesced totals, not two per message. Counting two would
 * leave each 100-item transaction a third empty and cost a third more transactions for the same writes.
 */
test("coalesced chunks fill transactions up to the item limit, and every ADD lands once", async () => {
  const shard = new FakeShard();
  const accounts = Array.from({ length: 40 }, () => id("acc"));
  const entries: [string, Message][] = [];
  for (let i = 0; i < 5; i++)
    for (const acc of accounts) entries.push([acc, dealMessage(acc, null, "lead", 100)]);
  const transactions: number[] = [];
  const result = await pipelineFor(env, {
    observer: { transaction: (e) => e.outcome === "committed" && transactions.push(e.items) },
    settings: { commitConcurrency: 2 },
  }).process(event(await recordsOf(env, shard, entries)));

  expect(result.response.batchItemFailures).toEqual([]);
  expect(result.reports.every((r) => r.outcome.status === "processed")).toBe(true);
  // 40 keys x (5 markers + 1 totals item) = 240 items: 16 whole keys (96 items) fit a transaction.
  expect(transactions).toEqual([96, 96, 48]);
  for (const acc of [accounts[0]!, accounts[39]!])
    expect((await accountItems(env, acc))["pipeline#EUR"]).toMatchObject({
      count_lead: 5,
      amount_lead: 500,
    });
});

import type { VerifiedMessage } from "../lib/envelope/types.js";
import type { DealStageChangedV1 } from "../schemas/deal-stage-changed.v1.js";
import { apply, type ProcessorResult } from "../lib/effects/processor.js";

/**
 * deal.stage_changed → the account's pipeline totals in one currency: count and amount per stage, moved with
 * ADD. ADD is not idempotent, which is exactly why the pipeline commits it together with the ledger marker.
 * One item per (account, currency) keeps it to one effect per message; amounts of different currencies are
 * never summed.
 */
export function processDealStageChanged(message: VerifiedMessage): ProcessorResult {
  const data = message.data as unknown as DealStageChangedV1;
  const add: Record<string, number> = {
    [`count_${data.toStage}`]: 1,
    [`amount_${data.toStage}`]: data.amountMinor,
  };
  if (data.fromStage !== null) {
    add[`count_${data.fromStage}`] = -1;
    add[`amount_${data.fromStage}`] = -data.amountMinor;
  }
  return apply([
    {
      op: "update",
      key: { pk: `account#${data.accountId}`, sk: `pipeline#${data.currency}` },
      set: { entity: "pipeline_totals", accountId: data.accountId, currency: data.currency },
      add,
    },
  ]);
}

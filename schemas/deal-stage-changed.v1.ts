import { z } from "zod";
import type { MessageSchema } from "./types.js";
import { accountId, amountMinor, currency, dealId, timestamp, userId } from "./primitives.js";

export const DEAL_STAGES = [
  "lead",
  "qualified",
  "proposal",
  "negotiation",
  "closed_won",
  "closed_lost",
] as const;
const stage = z.enum(DEAL_STAGES);

export const dealStageChangedV1Schema = z
  .strictObject({
    dealId,
    accountId,
    /** null when the deal was just created straight into `toStage`. */
    fromStage: stage.nullable(),
    toStage: stage,
    amountMinor,
    currency,
    changedAt: timestamp,
    changedBy: userId.optional(),
  })
  // A "change" to the same stage is a producer bug that would double-count pipeline movement reports.
  .refine((d) => d.fromStage !== d.toStage, {
    message: "toStage must differ from fromStage",
    path: ["toStage"],
  });

export type DealStageChangedV1 = z.infer<typeof dealStageChangedV1Schema>;

export const dealStageChangedV1: MessageSchema<DealStageChangedV1> = {
  type: "deal.stage_changed",
  v: 1,
  description:
    "A deal moved from one pipeline stage to another (amount in integer minor units of an ISO 4217 currency).",
  schema: dealStageChangedV1Schema,
  example: {
    dealId: "deal_Y7pQ2sW9kLm4",
    accountId: "acc_3Fh7Rw9nB2cD",
    fromStage: "proposal",
    toStage: "negotiation",
    amountMinor: 1_250_000,
    currency: "EUR",
    changedAt: "2026-11-24T09:30:00Z",
    changedBy: "usr_Jd82hF0aQz11",
  },
};

import { z } from "zod";
import { FAILURE_STATUSES } from "./statuses.js";

/**
 * The console's HTTP API, request side: every query string and body is parsed with these before anything
 * reads it (a bad one is a 400 naming the field). docs/console.md documents the same shapes.
 */
/** The overview looks back at most this far (the console keeps this window in memory). */
export const OVERVIEW_MAX_HOURS = 6;

const text = z.string().trim().min(1).max(200);
/** An ISO-8601 time or an age such as 90m, 6h, 2d (as the CLI's --since/--until). */
const timeBound = z.string().trim().min(1).max(40);

export const OverviewQuery = z.object({
  hours: z.coerce.number().int().min(1).max(OVERVIEW_MAX_HOURS).default(3),
});

export const FailuresQuery = z.object({
  status: z.enum([...FAILURE_STATUSES, "all"]).default("all"),
  reason: text.optional(),
  type: text.optional(),
  issuer: text.optional(),
  partitionKey: text.optional(),
  since: timeBound.optional(),
  until: timeBound.optional(),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(4000).optional(),
});

export const MessageQuery = z
  .object({
    /** A jti or SHARD:SEQUENCE (as `kjp inspect` takes it); or `pk`, the ledger key (no scan). */
    target: z.string().trim().min(1).max(300).optional(),
    pk: z.string().trim().min(1).max(1200).optional(),
    issuer: text.optional(),
    reveal: z.enum(["0", "1"]).default("0"),
  })
  .refine((q) => q.target !== undefined || q.pk !== undefined, { message: "give target or pk" });

export const KeysQuery = z.object({ refresh: z.enum(["0", "1"]).default("0") });

const filters = z
  .object({
    since: timeBound.optional(),
    until: timeBound.optional(),
    types: z.array(text).max(20).optional(),
    reasons: z.array(text).max(20).optional(),
  })
  .default({});

export const ReplayRequest = z.object({
  source: z.discriminatedUnion("from", [
    z.object({ from: z.literal("ledger"), status: z.enum(["rejected", "failed"]).optional() }),
    z.object({
      from: z.literal("onfailure"),
      queueUrl: z.string().url().optional(),
      bucket: text.optional(),
      prefix: z.string().max(200).optional(),
    }),
    z.object({ from: z.literal("cloudwatch"), logGroup: text.optional() }),
    // Parked keys (issue 20) become one more `from` here, with the same engine behind it.
  ]),
  filters,
  limit: z.number().int().min(1).max(10_000).optional(),
  dryRun: z.boolean(),
});
export type ReplayRequest = z.infer<typeof ReplayRequest>;

/** The cursor of a failures page: which status of the list it is in and DynamoDB's key to go on from. */
export const FailuresCursor = z.object({
  i: z.number().int().min(0),
  k: z.record(z.string(), z.object({ S: z.string() })).optional(),
});

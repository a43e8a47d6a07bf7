import { QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Route } from "./guard.js";
import { json, refuse } from "./responses.js";

export const PIPELINE_READ = "pipeline:read";
/** One page is plenty for a browser view; the response says when there is more. */
const PAGE = 100;

export interface AccountPipelineDeps {
  documents: Pick<DynamoDBDocumentClient, "send">;
  projectionsTable: string;
}

/**
 * `GET /accounts/{id}/pipeline`: what the queue path has applied for the caller's own account (deal pipeline
 * totals, contacts, notes), read from the projections table. Another account's id is 403 `forbidden_account`,
 * whatever the token's scopes.
 */
export function accountPipelineRoute(deps: AccountPipelineDeps): Route {
  return {
    scope: PIPELINE_READ,
    async handle(event, caller) {
      const id = event.pathParameters?.id;
      if (id !== caller.account) {
        return refuse(403, "forbidden_account", "the token is for another account");
      }
      const out = await deps.documents.send(
        new QueryCommand({
          TableName: deps.projectionsTable,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": `account#${id}` },
          Limit: PAGE,
        }),
      );
      const items = (out.Items ?? []).map(({ pk: _pk, ...item }) => item);
      const group = (prefix: string) => items.filter((i) => String(i.sk).startsWith(prefix));
      return json(200, {
        accountId: id,
        pipeline: group("pipeline#"),
        contacts: group("contact#"),
        notes: group("note#"),
        truncated: out.LastEvaluatedKey !== undefined,
      });
    },
  };
}

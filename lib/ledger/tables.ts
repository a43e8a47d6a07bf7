import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { ACTIVITY_ATTRIBUTES, ACTIVITY_INDEX } from "./activity.js";
import { FAILURES_INDEX } from "./ledger-items.js";

/**
 * Creates the ledger and projections tables with the shapes serverless.yml declares (ledger: pk, sparse GSI
 * `failures` on failureStatus + failedAt, sparse GSI `activity` on activityBucket + updatedAt, which processed
 * markers and the per-minute counter items stay out of; projections: pk + sk), if they do not exist. For tests
 * and benchmarks against an emulator; deployed stacks get their tables from serverless.yml.
 */
export async function ensureConsumerTables(
  client: DynamoDBClient,
  names: { ledgerTable: string; projectionsTable: string },
): Promise<void> {
  const create = async (input: ConstructorParameters<typeof CreateTableCommand>[0]) => {
    try {
      await client.send(new CreateTableCommand(input));
    } catch (error) {
      if (!(error instanceof ResourceInUseException) && (error as Error).name !== "ResourceInUseException")
        throw error;
    }
    await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: input.TableName });
  };
  await Promise.all([
    create({
      TableName: names.ledgerTable,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "failureStatus", AttributeType: "S" },
        { AttributeName: "failedAt", AttributeType: "S" },
        { AttributeName: "activityBucket", AttributeType: "S" },
        { AttributeName: "updatedAt", AttributeType: "S" },
      ],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      GlobalSecondaryIndexes: [
        {
          IndexName: FAILURES_INDEX,
          KeySchema: [
            { AttributeName: "failureStatus", KeyType: "HASH" },
            { AttributeName: "failedAt", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
        {
          IndexName: ACTIVITY_INDEX,
          KeySchema: [
            { AttributeName: "activityBucket", KeyType: "HASH" },
            { AttributeName: "updatedAt", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: [...ACTIVITY_ATTRIBUTES] },
        },
      ],
    }),
    create({
      TableName: names.projectionsTable,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    }),
  ]);
}

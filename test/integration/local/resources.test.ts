import { DescribeTableCommand, DescribeTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { loadServiceDefinition } from "../../../dev/service-definition/service-definition.js";
import {
  createResources,
  defaultResourceClients,
  destroyResourceClients,
} from "../../../dev/local/resources.js";

const clients = defaultResourceClients();
afterAll(() => destroyResourceClients(clients));

describe("createResources", () => {
  it("is harmless when everything already exists: creates nothing, returns the same names", async () => {
    const definition = loadServiceDefinition({ stage: "local" });
    // globalSetup already ran it once; run it twice more.
    const second = await createResources(definition, clients);
    const third = await createResources(definition, clients);
    expect(second.created).toEqual([]);
    expect(third.created).toEqual([]);
    expect(third.env).toEqual(second.env);
    expect(second.env.KJP_LEDGER_TABLE).toBe(process.env.KJP_LEDGER_TABLE);
    expect(second.env.KJP_ONFAILURE_QUEUE_URL).toBe(process.env.KJP_ONFAILURE_QUEUE_URL);
  });

  it("gives the ledger its sparse failures index, its activity index and TTL, as serverless.yml declares", async () => {
    const TableName = process.env.KJP_LEDGER_TABLE;
    const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName }));
    expect(Table?.KeySchema).toEqual([{ AttributeName: "pk", KeyType: "HASH" }]);
    expect(Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.KeySchema])).toEqual([
      [
        "failures",
        [
          { AttributeName: "failureStatus", KeyType: "HASH" },
          { AttributeName: "failedAt", KeyType: "RANGE" },
        ],
      ],
      [
        "activity",
        [
          { AttributeName: "activityBucket", KeyType: "HASH" },
          { AttributeName: "updatedAt", KeyType: "RANGE" },
        ],
      ],
    ]);
    const ttl = await clients.dynamodb.send(new DescribeTimeToLiveCommand({ TableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: "ttl", TimeToLiveStatus: "ENABLED" });
  });

  it("wires the on-failure queue's redrive to the replay DLQ", async () => {
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: process.env.KJP_ONFAILURE_QUEUE_URL,
        AttributeNames: ["RedrivePolicy", "VisibilityTimeout"],
      }),
    );
    const redrive = JSON.parse(Attributes?.RedrivePolicy ?? "{}") as {
      deadLetterTargetArn?: string;
      maxReceiveCount?: number | string;
    };
    expect(redrive.deadLetterTargetArn).toMatch(/:kinesis-jwt-pipeline-local-replay-dlq$/);
    expect(Number(redrive.maxReceiveCount)).toBe(5);
    expect(Attributes?.VisibilityTimeout).toBe("1800");
  });
});

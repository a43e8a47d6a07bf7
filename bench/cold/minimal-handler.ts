import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import { z } from "zod";

/**
 * The smallest honest Kinesis consumer the cold-start bench compares against: jose verification, one Zod
 * schema and a DynamoDB put, everything built at module load the way a Lambda would.
 */
const jwks = createLocalJWKSet(JSON.parse(process.env.MINIMAL_JWKS ?? '{"keys":[]}') as JSONWebKeySet);
const client = new DynamoDBClient({ region: process.env.AWS_REGION ?? "us-east-1" });
const Deal = z.strictObject({ id: z.string().min(1).max(64), amount: z.number().int().nonnegative() });

export async function handler(event: { Records: Array<{ kinesis: { data: string } }> }) {
  for (const record of event.Records) {
    const token = Buffer.from(record.kinesis.data, "base64").toString("utf8");
    const { payload } = await jwtVerify(token, jwks, { algorithms: ["ES256"], audience: "crm-pipeline" });
    const deal = Deal.parse((payload as { data?: unknown }).data);
    await client.send(
      new PutItemCommand({
        TableName: process.env.TABLE ?? "deals",
        Item: { pk: { S: deal.id }, amount: { N: String(deal.amount) } },
      }),
    );
  }
  return { batchItemFailures: [] };
}

import { dynamoDbClient as buildDynamoDbClient } from "./dynamodb-client.js";

/**
 * @deprecated Import each client from its own module (dynamodb-client.ts, kinesis-client.ts, ...). Kept only
 * until bench/consumer.ts, changed on another branch at the time of the split, imports dynamodb-client.ts.
 */
export const dynamoDbClient = buildDynamoDbClient;

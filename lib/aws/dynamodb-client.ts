import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { clientSettings, type ClientOptions } from "./client-settings.js";

/** The DynamoDB client (ledger, projections, parks). Settings: client-settings.ts. */
export const dynamoDbClient = (o: ClientOptions = {}) => new DynamoDBClient(clientSettings(o, "DYNAMODB"));

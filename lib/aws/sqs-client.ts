import { SQSClient } from "@aws-sdk/client-sqs";
import { clientSettings, type ClientOptions } from "./client-settings.js";

/** The SQS client (on-failure destination, replay DLQ). Settings: client-settings.ts. */
export const sqsClient = (o: ClientOptions = {}) => new SQSClient(clientSettings(o, "SQS"));

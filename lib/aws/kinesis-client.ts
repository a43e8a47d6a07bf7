import { KinesisClient } from "@aws-sdk/client-kinesis";
import { clientSettings, type ClientOptions } from "./client-settings.js";

/** The Kinesis client (publishing, re-reading the stream). Settings: client-settings.ts. */
export const kinesisClient = (o: ClientOptions = {}) => new KinesisClient(clientSettings(o, "KINESIS"));

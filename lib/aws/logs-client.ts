import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { clientSettings, type ClientOptions } from "./client-settings.js";

/** The CloudWatch Logs client (the consumer's log lines, for replay). Settings: client-settings.ts. */
export const logsClient = (o: ClientOptions = {}) =>
  new CloudWatchLogsClient(clientSettings(o, "CLOUDWATCH_LOGS"));

import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";

/** The service clients a replay may read with (lib/replay/source-selection.ts). */
export interface ServiceClients {
  dynamodb: DynamoDBClient;
  kinesis: KinesisClient;
  sqs: SQSClient;
  s3: S3Client;
  logs: CloudWatchLogsClient;
}

export type ServiceName = keyof ServiceClients;

const MAKERS: { [K in ServiceName]: () => Promise<ServiceClients[K]> } = {
  dynamodb: async () => (await import("./dynamodb-client.js")).dynamoDbClient(),
  kinesis: async () => (await import("./kinesis-client.js")).kinesisClient(),
  sqs: async () => (await import("./sqs-client.js")).sqsClient(),
  s3: async () => (await import("./s3-client.js")).s3Client(),
  logs: async () => (await import("./logs-client.js")).logsClient(),
};

export interface LoadedClients {
  /** The named clients; any other member throws when read (a caller that named too few, a bug to fix). */
  clients: ServiceClients;
  /** Which were built. */
  loaded: ServiceName[];
  /** Closes the clients that were built. */
  destroy(): void;
}

/**
 * Builds only the named clients, importing only their SDK packages (each costs 100 ms or more of CPU to load):
 * a command that reads one source does not pay for the other four.
 */
export async function loadClients(names: Iterable<ServiceName>): Promise<LoadedClients> {
  const loaded = [...new Set(names)];
  const settled = await Promise.allSettled(loaded.map((name) => MAKERS[name]()));
  const made = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = settled.find((r) => r.status === "rejected");
  if (failed) {
    // E.g. a client refused by the local-stack guard: the ones already built are closed, not left behind.
    made.forEach((c) => c.destroy());
    throw failed.reason;
  }
  const clients = {} as ServiceClients;
  for (const name of Object.keys(MAKERS) as ServiceName[]) {
    const i = loaded.indexOf(name);
    if (i >= 0) Object.defineProperty(clients, name, { value: made[i], enumerable: true });
    else
      Object.defineProperty(clients, name, {
        get: () => {
          throw new Error(`the ${name} client was not loaded: name it to loadClients`);
        },
      });
  }
  return { clients, loaded, destroy: () => made.forEach((c) => c.destroy()) };
}

import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
} from "@aws-sdk/client-sqs";
import { Command } from "commander";
import { register as registerReplay } from "../../../cli/commands/replay.js";
import { dynamoDbClient } from "../../../lib/aws/dynamodb-client.js";
import { clients, uniqueName } from "../runner/runner-fixture.js";

/**
 * `kjp replay --from onfailure --dry-run` counts every queued batch, even with --visibility-timeout 0 (which
 * used to hand the same messages back and end the count after the first receive), and leaves them queued.
 */
test("a dry run counts every queued on-failure message once and leaves them all visible", async () => {
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName("kjp-dry") }));
  const queueUrl = QueueUrl!;
  const dynamodb = dynamoDbClient();
  try {
    for (let i = 0; i < 49; i += 10)
      await clients.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Array.from({ length: Math.min(10, 49 - i) }, (_, j) => ({
            Id: `m${i + j}`,
            MessageBody: `not an on-failure record ${i + j}`,
          })),
        }),
      );
    const out: string[] = [];
    const program = new Command("kjp").exitOverride();
    const unused = () => Promise.reject(new Error("a dry run of unreadable messages verifies nothing"));
    registerReplay(program, {
      out: (t) => void out.push(t),
      err: () => undefined,
      env: { KJP_ONFAILURE_DESTINATION: "sqs", KJP_ONFAILURE_QUEUE_URL: queueUrl },
      isTTY: false,
      engineDeps: () => ({
        pipeline: { process: unused },
        verify: unused,
        dynamodb,
        ledgerTable: "unused",
      }),
    });
    await program.parseAsync([
      "node",
      "kjp",
      "replay",
      "--from",
      "onfailure",
      "--dry-run",
      "--visibility-timeout",
      "0",
      "--json",
    ]);
    const report = JSON.parse(out.join("")) as { summary: { candidates: number; unrecoverable: unknown[] } };
    expect(report.summary.candidates).toBe(49);
    expect(report.summary.unrecoverable).toHaveLength(49);
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    expect(Attributes).toMatchObject({
      ApproximateNumberOfMessages: "49",
      ApproximateNumberOfMessagesNotVisible: "0",
    });
  } finally {
    process.exitCode = undefined;
    dynamodb.destroy();
    await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  }
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { dynamoDbClient } from "../../../lib/aws/dynamodb-client.js";
import { kinesisClient } from "../../../lib/aws/kinesis-client.js";
import { uuidv7 } from "../../../lib/envelope/uuidv7.js";
import { messageLedgerKey } from "../../../lib/ledger/ledger-keys.js";
import { DEMO_ISSUERS } from "../../../dev/demo/demo-keys.js";
import { type PipelineSession, startPipelineSession } from "../../../dev/demo/pipeline-session.js";

/**
 * `kjp dev` survives its own restart: a session kept in a folder (checkpoints, keys) resumes where the last
 * one stopped, so messages published while it was down are applied when it comes back, and verify with the
 * same keys.
 */
const dir = mkdtempSync(join(tmpdir(), "kjp-dev-restart-"));
const dynamodb = dynamoDbClient();
const kinesis = kinesisClient();
afterAll(() => {
  dynamodb.destroy();
  kinesis.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function publish(session: PipelineSession, n: number): Promise<string[]> {
  const jtis = Array.from({ length: n }, () => uuidv7());
  const records = await Promise.all(
    jtis.map(async (jti, i) => ({
      PartitionKey: "acc_RESTART001",
      Data: Buffer.from(
        await session.keys.signers.crm.sign({
          type: "note.added",
          v: 1,
          jti,
          sub: "acc_RESTART001",
          data: {
            noteId: `note_RESTART${String(i).padStart(4, "0")}`,
            accountId: "acc_RESTART001",
            authorId: "usr_RESTART001",
            body: "hello",
            mentions: [],
            createdAt: "2026-11-27T10:00:00Z",
            notify: false,
          },
        }),
      ),
    })),
  );
  await kinesis.send(
    new PutRecordsCommand({ StreamName: session.resources.env.KJP_STREAM_NAME, Records: records }),
  );
  return jtis;
}

async function applied(session: PipelineSession, jtis: string[], timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await Promise.all(
      jtis.map(async (jti) => {
        const out = await dynamodb.send(
          new GetItemCommand({
            TableName: session.resources.env.KJP_LEDGER_TABLE,
            Key: { pk: { S: messageLedgerKey(DEMO_ISSUERS.crm, jti) } },
            ConsistentRead: true,
          }),
        );
        return out.Item?.status?.S;
      }),
    );
    if (statuses.every((s) => s === "done")) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("a restarted session resumes from its checkpoints with its keys: what was published meanwhile is applied", async () => {
  const options = { persistDir: dir, keysDir: join(dir, "keys"), log: () => undefined };
  const first = await startPipelineSession(options);
  let firstJtis: string[];
  try {
    firstJtis = await publish(first, 3);
    expect(await applied(first, firstJtis)).toBe(true);
  } finally {
    await first.stop();
  }
  // Published while nothing reads the stream, signed with the keys kept in the folder.
  const whileDown = await publish(first, 4);

  const second = await startPipelineSession(options);
  try {
    // Signed by the first session's key: verifies only because the second one kept it (a new key would
    // make them unknown_key rejections, never `done`).
    expect(await applied(second, whileDown)).toBe(true);
  } finally {
    await second.stop();
  }
}, 120_000);

import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:net";
import { findFreePort } from "../../../dev/local/free-port.js";
import { startLocalStack } from "../../../dev/local/stack.js";

/** Emulator processes this test process spawned that are still running (the shared stack's included). */
function ourEmulators(): string[] {
  const out = execFileSync("ps", ["-o", "args=", "--ppid", String(process.pid)], { encoding: "utf8" });
  return out.split("\n").filter((line) => /kinesis-local|DynamoDBLocal|moto_server/.test(line));
}

it("stops the emulators that did start when another one fails, and says which failed", async () => {
  const saved = process.env.AWS_ENDPOINT_URL;
  delete process.env.AWS_ENDPOINT_URL; // this test is about the embedded stack, even under LocalStack
  const port = await findFreePort();
  const squatter: Server = createServer();
  await new Promise<void>((resolve) => squatter.listen(port, "127.0.0.1", resolve));
  const before = ourEmulators();
  try {
    const failure = startLocalStack({ ports: { dynamodb: port }, startTimeoutMs: 30_000 });
    await expect(failure).rejects.toMatchObject({ message: expect.stringContaining("dynamodb-local") });
    expect(ourEmulators()).toEqual(before);
  } finally {
    squatter.close();
    if (saved !== undefined) process.env.AWS_ENDPOINT_URL = saved;
  }
});

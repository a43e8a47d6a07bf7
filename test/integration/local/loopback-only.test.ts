import { startDynamoDbLocal } from "../../../dev/local/dynamodb-local.js";
import type { Emulator } from "../../../dev/local/emulator.js";
import { startKinesisMock } from "../../../dev/local/kinesis-mock.js";
import { startMoto } from "../../../dev/local/moto.js";
import { isLoopback, listeningSockets } from "./listening-sockets.js";

// Issue 10, item 9: the local stack's emulators listen on 127.0.0.1 only, never on all interfaces. Fresh
// emulators are started here (the shared stack's processes belong to the global setup).
describe.each([
  ["DynamoDB Local", () => startDynamoDbLocal()],
  ["kinesis-mock", () => startKinesisMock()],
  ["moto", () => startMoto()],
])("%s", (_name, start) => {
  let emulator: Emulator | undefined;
  afterAll(() => emulator?.stop());

  test("listens on the loopback interface only", async () => {
    emulator = await start();
    expect(emulator.pid).toBeGreaterThan(0);
    const sockets = listeningSockets(emulator.pid!);
    // Its endpoint's port is among them (kinesis-mock also binds its unused TLS port).
    expect(sockets.map((s) => s.port)).toContain(emulator.port);
    for (const socket of sockets)
      expect({ ...socket, loopback: isLoopback(socket.address) }).toMatchObject({ loopback: true });
  }, 120_000);
});

test("the /proc decoding tells loopback from all interfaces", () => {
  // Checked on this test process's own servers, so the parser cannot pass by reading nothing.
  return import("node:net").then(async ({ createServer }) => {
    const any = createServer();
    const local = createServer();
    await new Promise<void>((r) => any.listen(0, "0.0.0.0", r));
    await new Promise<void>((r) => local.listen(0, "127.0.0.1", r));
    const ports = (s: typeof any) => (s.address() as { port: number }).port;
    const sockets = listeningSockets(process.pid);
    expect(sockets).toContainEqual({ address: "0.0.0.0", port: ports(any) });
    expect(sockets).toContainEqual({ address: "127.0.0.1", port: ports(local) });
    expect(isLoopback("0.0.0.0")).toBe(false);
    await Promise.all([any, local].map((s) => new Promise((r) => s.close(r))));
  });
});

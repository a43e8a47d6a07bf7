import { createServer } from "node:net";
import { findFreePort, isPortFree } from "./free-port.js";

describe("findFreePort", () => {
  it("returns distinct loopback ports that can be bound", async () => {
    const ports = await Promise.all([findFreePort(), findFreePort(), findFreePort()]);
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) {
      const server = createServer();
      await new Promise<void>((resolve, reject) =>
        server.once("error", reject).listen(port, "127.0.0.1", resolve),
      );
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("isPortFree", () => {
  it("says no while something listens on the port, and yes once it is gone", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    expect(await isPortFree(port)).toBe(false);
    await new Promise((resolve) => server.close(resolve));
    expect(await isPortFree(port)).toBe(true);
  });
});

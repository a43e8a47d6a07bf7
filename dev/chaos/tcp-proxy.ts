import { createServer, connect, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of an emulator: `cut()` resets every open connection and refuses new ones (what a client
 * sees in a network outage or when the service's host dies) until `restore()`. The chaos run puts one in front of
 * kinesis-mock for the producers (the consumer talks to kinesis-mock directly) and one in front of DynamoDB Local
 * for every client (chaos-stack.ts).
 */
export class TcpOutageProxy {
  private readonly sockets = new Set<Socket>();
  private down = false;
  private readonly server: Server;
  port = 0;

  constructor(target: () => { host: string; port: number }) {
    this.server = createServer((client) => {
      if (this.down) {
        client.resetAndDestroy();
        return;
      }
      const { host, port } = target();
      const upstream = connect(port, host);
      const both = [client, upstream];
      for (const s of both) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => both.forEach((x) => x.destroy()));
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  cut(): void {
    this.down = true;
    for (const s of this.sockets) s.resetAndDestroy();
  }

  restore(): void {
    this.down = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

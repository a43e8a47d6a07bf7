import { readdirSync, readFileSync } from "node:fs";
import { isLoopback, listeningSockets } from "../integration/local/listening-sockets.js";

/**
 * Like the embedded emulators (test/integration/local/loopback-only.test.ts), LocalStack and the emulators it
 * starts (kinesis-mock, DynamoDB Local) listen on 127.0.0.1 only. Checked on the running LocalStack, whose pid
 * `npm run test:localstack` passes in KJP_LOCALSTACK_PID.
 */
const root = Number(process.env.KJP_LOCALSTACK_PID);
if (!(root > 0)) throw new Error("KJP_LOCALSTACK_PID is not set: use `npm run test:localstack`");

/** The process and its descendants, from /proc. */
function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command name before it may contain spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* exited meanwhile */
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i] as number) ?? []));
  return tree;
}

test("LocalStack, kinesis-mock and DynamoDB Local listen on the loopback interface only", () => {
  const tree = processTree(root);
  const sockets = tree.flatMap((pid) => listeningSockets(pid).map((s) => ({ pid, ...s })));
  // The gateway and both emulators (kinesis-mock also binds its unused TLS port): at least four.
  expect(sockets.length).toBeGreaterThanOrEqual(4);
  expect(sockets.map((s) => s.port)).toContain(Number(new URL(process.env.AWS_ENDPOINT_URL ?? "").port));
  for (const socket of sockets)
    expect({ ...socket, loopback: isLoopback(socket.address) }).toMatchObject({ loopback: true });
});

// Preloaded into kinesis-mock (`node --import`): kinesis-local binds its servers to 0.0.0.0 and has no setting
// for the host, while the local stack must listen on 127.0.0.1 only (docs/local-stack.md). Every net server
// (http, https and tls servers are net servers) that would listen on all interfaces listens on 127.0.0.1.
import net from "node:net";

const LOOPBACK = "127.0.0.1";
const ANY = new Set([undefined, null, "", "0.0.0.0", "::", "[::]"]);
const isPort = (value) => typeof value === "number" || (typeof value === "string" && /^\d+$/.test(value));
const originalListen = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(...args) {
  if (isPort(args[0])) {
    if (typeof args[1] !== "string") args.splice(1, 0, LOOPBACK);
    else if (ANY.has(args[1])) args[1] = LOOPBACK;
  } else if (
    args[0] !== null &&
    typeof args[0] === "object" &&
    isPort(args[0].port) &&
    ANY.has(args[0].host)
  ) {
    args[0] = { ...args[0], host: LOOPBACK };
  }
  return originalListen.apply(this, args);
};

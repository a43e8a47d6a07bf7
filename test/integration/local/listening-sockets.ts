import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface ListeningSocket {
  address: string;
  port: number;
}

/**
 * The TCP sockets a process listens on, from Linux's /proc: the socket inodes among its open files, matched
 * against the LISTEN rows (state 0A) of /proc/net/tcp and /proc/net/tcp6.
 */
export function listeningSockets(pid: number): ListeningSocket[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // the descriptor closed while we looked
    }
  }
  const sockets: ListeningSocket[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== "0A" || !inodes.has(cols[9]!)) continue;
      const [hexAddress, hexPort] = cols[1]!.split(":") as [string, string];
      sockets.push({ address: decodeAddress(hexAddress), port: parseInt(hexPort, 16) });
    }
  }
  return sockets;
}

/** /proc/net/tcp{,6} write addresses as 32-bit words in host (little-endian) byte order. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g)!.map((w) => Buffer.from(w, "hex").reverse());
  const bytes = Buffer.concat(words);
  if (bytes.length === 4) return [...bytes].join(".");
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${[...bytes.subarray(12)].join(".")}`;
  }
  const groups = bytes
    .toString("hex")
    .match(/.{4}/g)!
    .map((g) => g.replace(/^0+(?=.)/, ""));
  return groups.join(":");
}

export const isLoopback = (address: string): boolean =>
  address === "127.0.0.1" || address === "::ffff:127.0.0.1" || address === "0:0:0:0:0:0:0:1";

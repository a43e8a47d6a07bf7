import { request } from "node:http";

/**
 * True once something answers HTTP on the URL, whatever the status: emulators answer an unsigned request with
 * 400/403, which still proves the server is accepting and parsing requests.
 */
export function httpAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { method: "GET", timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

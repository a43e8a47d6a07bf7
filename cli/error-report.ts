import { KjpError } from "../lib/errors/kjp-error.js";

/** Exit codes of every kjp command (README "CLI reference", operations.md): one table, used by main.ts. */
export const EXIT_OK = 0;
export const EXIT_REFUSED = 1;
export const EXIT_CONFIGURATION = 2;

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EPIPE",
]);

interface ConnectionProblem {
  code: string;
  where: string;
}

/** The first network-level failure in an error's cause chain (SDK errors carry the socket error's code). */
export function connectionProblem(error: unknown): ConnectionProblem | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    const e = current as Error & { code?: unknown; address?: unknown; port?: unknown; errors?: unknown };
    const code = typeof e.code === "string" ? e.code : e.name === "TimeoutError" ? "ETIMEDOUT" : "";
    if (CONNECTION_CODES.has(code)) {
      const where =
        typeof e.address === "string"
          ? `${e.address}${typeof e.port === "number" ? `:${e.port}` : ""}`
          : (/(?:getaddrinfo \w+|connect \w+) (\S+)/.exec(e.message)?.[1] ?? "the endpoint");
      return { code, where };
    }
    // Node's happy-eyeballs connect reports one AggregateError for all addresses it tried.
    if (Array.isArray(e.errors) && e.errors.length > 0) {
      const inner = connectionProblem(e.errors[0]);
      if (inner) return inner;
    }
    current = e.cause;
  }
  return undefined;
}

export interface ErrorReport {
  text: string;
  exitCode: number;
}

/**
 * What a failed command prints and exits with. An endpoint that cannot be reached is a configuration problem
 * (exit 2): the environment points at a stack that is not there. Our own errors keep their message and hint;
 * anything else is one line too, with the stack only under KJP_DEBUG=1.
 */
export function reportError(error: unknown, env: NodeJS.ProcessEnv = process.env): ErrorReport {
  const connection = connectionProblem(error);
  if (connection) {
    const context = error instanceof KjpError ? `${error.message}\n  ` : "";
    return {
      text:
        `kjp: ${context}cannot reach ${connection.where} (${connection.code})\n` +
        "  hint: is the stack running? For the local one, start `kjp dev` (or `npm run stack:up`) and " +
        "source the env file it prints; for AWS, check AWS_REGION and unset AWS_ENDPOINT_URL*\n",
      exitCode: EXIT_CONFIGURATION,
    };
  }
  if (error instanceof KjpError) {
    return {
      text: `kjp: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ""}\n`,
      exitCode: error.retryable ? EXIT_REFUSED : EXIT_CONFIGURATION,
    };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const stack = env.KJP_DEBUG === "1" && error instanceof Error && error.stack ? `\n${error.stack}` : "";
  return {
    text: `kjp: unexpected error: ${message}${stack}\n  hint: run again with KJP_DEBUG=1 for the stack trace\n`,
    exitCode: EXIT_REFUSED,
  };
}

/**
 * Every error this project raises on purpose is a KjpError: a stable `code` that callers, logs and metrics
 * can match on, a message that says what happened, and a `hint` that says what to do about it.
 * `retryable` separates transient trouble (retry later, report the record in batchItemFailures) from
 * permanent trouble (fix the input or the configuration).
 */
export interface KjpErrorOptions {
  hint?: string;
  retryable?: boolean;
  cause?: unknown;
}

export class KjpError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: KjpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.retryable = options.retryable ?? false;
  }

  /** One line for humans: message, then what to do. */
  override toString(): string {
    return this.hint
      ? `${this.name} [${this.code}]: ${this.message} (${this.hint})`
      : `${this.name} [${this.code}]: ${this.message}`;
  }
}

/** A setting is missing or wrong: raised at start-up (cold start, CLI parsing), never per record. */
export class ConfigurationError extends KjpError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super("configuration", message, { hint, cause, retryable: false });
  }
}

/** Something outside our control failed for now (network, throttling, a key set endpoint): retry later. */
export class TransientError extends KjpError {
  constructor(code: string, message: string, options: Omit<KjpErrorOptions, "retryable"> = {}) {
    super(code, message, { ...options, retryable: true });
  }
}

export function isRetryable(error: unknown): boolean {
  return error instanceof KjpError ? error.retryable : false;
}

/**
 * Says every few seconds that a long wait is still going (starting emulators, installing moto), so a
 * terminal is never silent for long enough to look hung. Returns what `work` returns.
 */
export async function withProgress<T>(
  label: string,
  work: Promise<T>,
  log: (line: string) => void,
  everyMs = 5_000,
): Promise<T> {
  const started = Date.now();
  const ticker = setInterval(
    () => log(`  ... still ${label} (${Math.round((Date.now() - started) / 1000)} s)`),
    everyMs,
  );
  ticker.unref();
  try {
    return await work;
  } finally {
    clearInterval(ticker);
  }
}

import cliProgress from "cli-progress";

/** Live progress of the demo: records published (acknowledged by Kinesis) and finished by the consumer. */
export interface DemoProgress {
  update(published: number, consumed: number): void;
  stop(): void;
}

/**
 * Two bars on a terminal; otherwise (CI, a pipe, --json) a plain line at most every `intervalMs`, plus the
 * final state, so a log shows progress without a redraw per record.
 */
export function createProgress(
  total: number,
  options: {
    tty: boolean;
    stream?: NodeJS.WritableStream;
    log?: (line: string) => void;
    intervalMs?: number;
  },
): DemoProgress {
  if (options.tty) {
    const bars = new cliProgress.MultiBar(
      {
        format: " {label} [{bar}] {value}/{total}",
        stream: options.stream ?? process.stderr,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    const published = bars.create(total, 0, { label: "published" });
    const consumed = bars.create(total, 0, { label: "consumed " });
    let stopped = false;
    return {
      update(p, c) {
        published.update(p);
        consumed.update(c);
      },
      // MultiBar.stop() moves the cursor again when called twice, overwriting the lines above.
      stop: () => {
        if (stopped) return;
        stopped = true;
        bars.stop();
      },
    };
  }
  const log = options.log ?? ((line: string) => console.log(line));
  const interval = options.intervalMs ?? 1_000;
  let last = 0;
  let shown = "";
  const show = (p: number, c: number) => {
    const line = `progress: published ${p}/${total}, consumed ${c}/${total}`;
    if (line !== shown) log(line);
    shown = line;
  };
  let latest: [number, number] = [0, 0];
  return {
    update(p, c) {
      latest = [p, c];
      const now = Date.now();
      if (now - last >= interval) {
        last = now;
        show(p, c);
      }
    },
    stop: () => show(...latest),
  };
}

/** A wake-up call between loops: wait() resolves on the next notify() or after `ms` (whichever comes first). */
export class Signal {
  private waiters: Array<() => void> = [];

  wait(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      this.waiters.push(done);
      if (ms !== undefined) timer = setTimeout(done, Math.max(0, ms));
    });
  }

  notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The shard's checkpoint when several batches of one shard run at once (parallelization factor): records are
 * read in sequence order, finish in any order across partition keys, and the checkpoint may only move past a
 * record once it and every record before it are done. That keeps a restart from skipping unfinished work; the
 * price is that records already done beyond the checkpoint are delivered again (at least once, like Lambda).
 */
export class CheckpointTracker {
  private readonly order: string[] = [];
  private head = 0;
  private readonly done = new Set<string>();
  private position: string | undefined;

  constructor(initial?: string) {
    this.position = initial;
  }

  /** A record read from the shard, in read order. */
  add(sequenceNumber: string): void {
    this.order.push(sequenceNumber);
  }

  markDone(sequenceNumber: string): void {
    this.done.add(sequenceNumber);
  }

  /** Moves over the finished prefix; returns the new checkpoint when it moved. */
  advance(): string | undefined {
    const before = this.position;
    while (this.head < this.order.length) {
      const seq = this.order[this.head] as string;
      if (!this.done.has(seq)) break;
      this.done.delete(seq);
      this.position = seq;
      this.head++;
    }
    // Drop the consumed prefix now and then so a long run does not keep every sequence number.
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
    return this.position !== before ? this.position : undefined;
  }

  get checkpoint(): string | undefined {
    return this.position;
  }

  /** Records read but not yet behind the checkpoint. */
  get outstanding(): number {
    return this.order.length - this.head;
  }
}

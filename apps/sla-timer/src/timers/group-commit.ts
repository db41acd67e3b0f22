export interface GroupCommitOptions {
  /** At most this many items per flush; the rest wait for the next one. */
  maxBatch: number;
  /** Flushes running at once (a second one collects and commits while the first waits on Postgres). */
  maxParallel: number;
}

interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: callers submit one item each and get its own result; items that arrive while the
 * flushes are busy are handed to the next flush together. Nothing waits for a timer: an idle batcher
 * flushes a lone item on the next turn of the event loop, and batches grow only with the load (the
 * more arrive while a flush is in flight, the larger the next one), which keeps latency low at any rate.
 *
 * `flush` returns one result per item, in order. If it throws, every item of that flush is rejected
 * with the error (the caller's retry policy applies: BullMQ retries a failed job).
 */
export class GroupCommit<T, R> {
  private readonly queue: Pending<T, R>[] = [];
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly options: GroupCommitOptions,
  ) {
    if (options.maxBatch < 1 || options.maxParallel < 1) throw new Error('GroupCommit needs batches of ≥ 1');
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Items waiting for a flush (not counting those being flushed). */
  get waiting(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.options.maxParallel || this.queue.length === 0) return;
    this.scheduled = true;
    // setImmediate lets every item submitted in this turn (a burst of jobs handed over by BullMQ) join.
    setImmediate(() => {
      this.scheduled = false;
      this.startFlush();
    });
  }

  private startFlush(): void {
    if (this.running >= this.options.maxParallel || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.running += 1;
    void this.run(batch).finally(() => {
      this.running -= 1;
      this.schedule();
    });
    this.schedule();
  }

  private async run(batch: Pending<T, R>[]): Promise<void> {
    try {
      const results = await this.flush(batch.map((pending) => pending.item));
      if (results.length !== batch.length)
        throw new Error(`flush returned ${results.length} results for ${batch.length} items`);
      batch.forEach((pending, index) => pending.resolve(results[index]));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }
}

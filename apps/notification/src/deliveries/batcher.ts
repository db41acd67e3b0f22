/**
 * Gathers the requests that concurrent jobs make at about the same time and serves them with one call
 * (one SQL statement or transaction instead of one per delivery). A batch is flushed when it holds
 * `maxSize` requests, or `maxWaitMs` after its first one (0: at the end of the current turn of the event
 * loop, so a lone request waits for nothing). Each caller gets its own answer, or the batch's error.
 * At most `maxInFlight` batches run at once; requests arriving meanwhile form the next batch.
 */
export class Batcher<Input, Output> {
  private pending: { input: Input; resolve: (output: Output) => void; reject: (error: unknown) => void }[] =
    [];
  private timer?: { cancel: () => void };
  private inFlight = 0;

  constructor(
    private readonly run: (inputs: Input[]) => Promise<Output[]>,
    private readonly options: { maxSize: number; maxWaitMs: number; maxInFlight?: number },
  ) {}

  /** Queues one request; resolves with the output at the same index of the batch's answer. */
  submit(input: Input): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (this.pending.length >= this.options.maxSize) this.flush();
      else if (!this.timer) this.timer = this.schedule();
    });
  }

  private flush(): void {
    this.cancelTimer();
    if (this.pending.length === 0) return;
    // Too many batches running: this one waits for one to finish (and grows meanwhile).
    if (this.inFlight >= (this.options.maxInFlight ?? Infinity)) return;
    const batch = this.pending.splice(0, this.options.maxSize);
    this.inFlight += 1;
    let answer: Promise<Output[]>;
    try {
      answer = this.run(batch.map((entry) => entry.input));
    } catch (error) {
      answer = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    answer
      .then(
        (outputs) => {
          if (outputs.length !== batch.length) {
            throw new Error(`batch of ${batch.length} answered with ${outputs.length} results`);
          }
          batch.forEach((entry, index) => entry.resolve(outputs[index]));
        },
        (error: unknown) => batch.forEach((entry) => entry.reject(error)),
      )
      .catch((error: unknown) => batch.forEach((entry) => entry.reject(error)))
      .finally(() => {
        this.inFlight -= 1;
        if (this.pending.length > 0 && !this.timer) this.flush();
      });
  }

  private schedule(): { cancel: () => void } {
    if (this.options.maxWaitMs > 0) {
      const timeout = setTimeout(() => this.flush(), this.options.maxWaitMs);
      return { cancel: () => clearTimeout(timeout) };
    }
    const immediate = setImmediate(() => this.flush());
    return { cancel: () => clearImmediate(immediate) };
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}

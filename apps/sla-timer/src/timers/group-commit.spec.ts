import { GroupCommit } from './group-commit';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('GroupCommit', () => {
  it('flushes a lone item at once and gives each caller its own result', async () => {
    const flushes: number[][] = [];
    const batches = new GroupCommit<number, string>(
      async (items) => {
        flushes.push(items);
        return items.map((n) => `r${n}`);
      },
      { maxBatch: 10, maxParallel: 1 },
    );
    await expect(batches.submit(1)).resolves.toBe('r1');
    expect(flushes).toEqual([[1]]);
  });

  it('hands what arrives during a flush to the next one, in batches of at most maxBatch', async () => {
    const flushes: number[][] = [];
    const gate = deferred<void>();
    const batches = new GroupCommit<number, number>(
      async (items) => {
        flushes.push(items);
        if (flushes.length === 1) await gate.promise;
        return items.map((n) => n * 2);
      },
      { maxBatch: 3, maxParallel: 1 },
    );
    const first = batches.submit(0);
    await new Promise((resolve) => setImmediate(resolve)); // the first flush is now in flight
    const rest = [1, 2, 3, 4, 5].map((n) => batches.submit(n));
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushes).toEqual([[0]]); // one flush at a time: the others wait
    expect(batches.waiting).toBe(5);
    gate.resolve();
    expect(await Promise.all([first, ...rest])).toEqual([0, 2, 4, 6, 8, 10]);
    expect(flushes).toEqual([[0], [1, 2, 3], [4, 5]]);
  });

  it('runs up to maxParallel flushes at once', async () => {
    let running = 0;
    let most = 0;
    const batches = new GroupCommit<number, number>(
      async (items) => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
        return items;
      },
      { maxBatch: 2, maxParallel: 2 },
    );
    await Promise.all(Array.from({ length: 10 }, (_, n) => batches.submit(n)));
    expect(most).toBe(2);
  });

  it('rejects every item of a failed flush, and later items still go through', async () => {
    let calls = 0;
    const batches = new GroupCommit<number, number>(
      async (items) => {
        calls += 1;
        if (calls === 1) throw new Error('deadlock detected');
        return items;
      },
      { maxBatch: 10, maxParallel: 1 },
    );
    const failed = [batches.submit(1), batches.submit(2)];
    await expect(Promise.all(failed)).rejects.toThrow('deadlock detected');
    await expect(failed[1]).rejects.toThrow('deadlock detected');
    await expect(batches.submit(3)).resolves.toBe(3);
  });

  it('rejects a flush that returns the wrong number of results', async () => {
    const batches = new GroupCommit<number, number>(async () => [], { maxBatch: 10, maxParallel: 1 });
    await expect(batches.submit(1)).rejects.toThrow('0 results for 1 items');
  });
});

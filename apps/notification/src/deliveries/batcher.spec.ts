import { Batcher } from './batcher';

describe('Batcher', () => {
  it('serves the requests of one turn of the event loop with one call, each with its own answer', async () => {
    const calls: number[][] = [];
    const batcher = new Batcher<number, string>(
      (inputs) => {
        calls.push(inputs);
        return Promise.resolve(inputs.map((input) => `#${input}`));
      },
      { maxSize: 100, maxWaitMs: 0 },
    );
    const answers = await Promise.all([1, 2, 3].map((input) => batcher.submit(input)));
    expect(answers).toEqual(['#1', '#2', '#3']);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('splits at maxSize', async () => {
    const calls: number[][] = [];
    const batcher = new Batcher<number, number>(
      (inputs) => {
        calls.push(inputs);
        return Promise.resolve(inputs);
      },
      { maxSize: 2, maxWaitMs: 0 },
    );
    await Promise.all([1, 2, 3, 4, 5].map((input) => batcher.submit(input)));
    expect(calls).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('lets requests that arrive while maxInFlight batches run wait and form one larger batch', async () => {
    const calls: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new Batcher<number, number>(
      async (inputs) => {
        calls.push(inputs);
        await gate;
        return inputs;
      },
      { maxSize: 100, maxWaitMs: 0, maxInFlight: 1 },
    );
    const first = batcher.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4].map((input) => batcher.submit(input));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([[1]]);
    release();
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3, 4]);
    expect(calls).toEqual([[1], [2, 3, 4]]);
  });

  it('waits maxWaitMs for more requests when asked to', async () => {
    const calls: number[][] = [];
    const batcher = new Batcher<number, number>(
      (inputs) => {
        calls.push(inputs);
        return Promise.resolve(inputs);
      },
      { maxSize: 100, maxWaitMs: 20 },
    );
    const first = batcher.submit(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = batcher.submit(2);
    await Promise.all([first, second]);
    expect(calls).toEqual([[1, 2]]);
  });

  it('rejects every request of a failed batch with its error, and goes on with the next', async () => {
    let fail = true;
    const batcher = new Batcher<number, number>(
      (inputs) => (fail ? Promise.reject(new Error('database down')) : Promise.resolve(inputs)),
      { maxSize: 100, maxWaitMs: 0 },
    );
    const results = await Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toEqual(new Error('database down'));
    fail = false;
    expect(await batcher.submit(3)).toBe(3);
  });

  it('rejects when the batch answers with a different number of results', async () => {
    const batcher = new Batcher<number, number>(() => Promise.resolve([1]), { maxSize: 100, maxWaitMs: 0 });
    await expect(Promise.all([batcher.submit(1), batcher.submit(2)])).rejects.toThrow(
      'batch of 2 answered with 1 results',
    );
  });
});

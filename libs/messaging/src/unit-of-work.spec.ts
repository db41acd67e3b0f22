import type { EntityManager } from 'typeorm';
import {
  afterCommit,
  afterCommitTogether,
  type AfterCommitBatch,
  type BeforeCommitBatch,
  runInUnitOfWork,
  UnitOfWork,
} from './unit-of-work';

function recorder(fail = false): AfterCommitBatch<string> & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    applyAll: (items) => {
      calls.push(items);
      return fail ? Promise.reject(new Error('Redis is down')) : Promise.resolve();
    },
  };
}

/** Registers, for each message of a batch, what `work` does while that message is handled. */
async function batchOf(unit: UnitOfWork, messages: (() => Promise<void>)[]): Promise<void> {
  for (const [index, work] of messages.entries()) {
    unit.message = index;
    await runInUnitOfWork(unit, work);
  }
}

describe('after-commit work', () => {
  it('runs at once outside a transaction', async () => {
    const batch = recorder();
    const ran: string[] = [];
    await afterCommit(() => void ran.push('hook'));
    await afterCommitTogether(batch, 'a');
    expect(ran).toEqual(['hook']);
    expect(batch.calls).toEqual([['a']]);
  });

  it('applies the items of every event of a transaction together, after the commit, in order', async () => {
    const unit = new UnitOfWork(undefined, true);
    const batch = recorder();
    const order: string[] = [];
    await batchOf(unit, [
      () => afterCommitTogether(batch, 'first'),
      async () => {
        await afterCommit(() => void order.push('hook of message 1'));
        await afterCommitTogether(batch, 'second');
      },
      () => afterCommitTogether(batch, 'third'),
    ]);
    expect(batch.calls).toEqual([]); // nothing before the commit
    expect(await unit.runHooks()).toEqual(new Map());
    expect(batch.calls).toEqual([['first', 'second', 'third']]);
    expect(order).toEqual(['hook of message 1']);
  });

  it('fails every event that gave an item to a group that failed, and only those', async () => {
    const unit = new UnitOfWork(undefined, true);
    const failing = recorder(true);
    const fine = recorder();
    await batchOf(unit, [
      () => afterCommitTogether(failing, 'a'),
      () => afterCommitTogether(fine, 'b'),
      () => afterCommitTogether(failing, 'c'),
    ]);
    const failed = await unit.runHooks();
    expect([...failed.keys()].sort()).toEqual([0, 2]);
    expect(fine.calls).toEqual([['b']]);
  });

  it("skips a failed event's later hooks but runs the other events' hooks", async () => {
    const unit = new UnitOfWork(undefined, true);
    const ran: string[] = [];
    await batchOf(unit, [
      async () => {
        await afterCommit(() => Promise.reject(new Error('first hook fails')));
        await afterCommit(() => void ran.push('second hook of message 0'));
      },
      () => afterCommit(() => void ran.push('hook of message 1')),
    ]);
    const failed = await unit.runHooks();
    expect([...failed.keys()]).toEqual([0]);
    expect(ran).toEqual(['hook of message 1']);
  });
});

describe('writes buffered until the commit', () => {
  const manager = {} as EntityManager;
  const other = {} as EntityManager;
  function writer(): BeforeCommitBatch<string> & { calls: { manager: EntityManager; items: string[] }[] } {
    const calls: { manager: EntityManager; items: string[] }[] = [];
    return { calls, writeAll: async (to, items) => void calls.push({ manager: to, items }) };
  }

  it("buffers the items of a batch's events and writes them in one go, in order, with its manager", async () => {
    const unit = new UnitOfWork(manager, true);
    const rows = writer();
    expect(unit.bufferWrite(rows, manager, 'event 0 row')).toBe(true);
    expect(unit.bufferWrite(rows, manager, 'event 1 row')).toBe(true);
    expect(rows.calls).toEqual([]);
    await unit.writeBuffered();
    expect(rows.calls).toEqual([{ manager, items: ['event 0 row', 'event 1 row'] }]);
    await unit.writeBuffered();
    expect(rows.calls).toHaveLength(1); // written once
  });

  it("leaves the write to the caller in an event's own transaction or another transaction", () => {
    const rows = writer();
    expect(new UnitOfWork(manager, false).bufferWrite(rows, manager, 'own transaction')).toBe(false);
    expect(new UnitOfWork(manager, true).bufferWrite(rows, other, 'another transaction')).toBe(false);
    expect(rows.calls).toEqual([]);
  });
});

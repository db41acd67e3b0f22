import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';

/** Work that must wait for the commit: Redis, BullMQ, in-process listeners. */
export type AfterCommitHook = () => Promise<void> | void;

/**
 * After-commit work that is cheaper done for many events at once (one `addBulk`, one pipeline): the
 * items that the events of one transaction give it are applied together, in the order given.
 */
export interface AfterCommitBatch<T> {
  applyAll(items: T[]): Promise<void>;
}

/**
 * Writes that the events of one batch transaction make more cheaply together (one `INSERT` for the
 * outbox rows of every event): buffered while the handlers run, written just before the commit, in the
 * transaction, in the order given.
 */
export interface BeforeCommitBatch<T> {
  writeAll(manager: EntityManager, items: T[]): Promise<void>;
}

interface Entry {
  message: number;
  hook?: AfterCommitHook;
  group?: { batch: AfterCommitBatch<unknown>; items: unknown[]; messages: Set<number> };
}

/**
 * The transaction a handler's side effects join, and what is to happen once it commits.
 *
 * `InboxService.handleOnce` opens one per event. The consumer opens one for a whole partition batch
 * (`shared`): every event of the batch joins it, and the batch commits once.
 */
export class UnitOfWork {
  private readonly entries: Entry[] = [];
  private readonly groups = new Map<AfterCommitBatch<unknown>, NonNullable<Entry['group']>>();
  private readonly writes = new Map<BeforeCommitBatch<unknown>, unknown[]>();
  /** The message of the batch that hooks registered now belong to. */
  message = 0;

  constructor(
    readonly manager: EntityManager | undefined,
    readonly shared: boolean,
  ) {}

  afterCommit(hook: AfterCommitHook): void {
    this.entries.push({ hook, message: this.message });
  }

  /** Adds `item` to the batch's group, which runs where its first item was registered. */
  together<T>(batch: AfterCommitBatch<T>, item: T): void {
    const key = batch as AfterCommitBatch<unknown>;
    let group = this.groups.get(key);
    if (!group) {
      group = { batch: key, items: [], messages: new Set() };
      this.groups.set(key, group);
      this.entries.push({ group, message: this.message });
    }
    group.items.push(item);
    group.messages.add(this.message);
  }

  /**
   * Buffers `item` for `batch`, to be written in this transaction just before it commits (`writeBuffered`).
   * Only a shared unit (a consumer's batch) buffers: it is the one whose commit the consumer controls.
   * Returns false when the caller must write now (no shared unit, or another transaction's `manager`).
   */
  bufferWrite<T>(batch: BeforeCommitBatch<T>, manager: EntityManager, item: T): boolean {
    if (!this.shared || !this.manager || manager !== this.manager) return false;
    const key = batch as BeforeCommitBatch<unknown>;
    let items = this.writes.get(key);
    if (!items) this.writes.set(key, (items = []));
    items.push(item);
    return true;
  }

  /** Writes what was buffered, each batch's items in one go; the consumer calls it right before COMMIT. */
  async writeBuffered(): Promise<void> {
    if (!this.manager) return;
    for (const [batch, items] of this.writes) await batch.writeAll(this.manager, items);
    this.writes.clear();
  }

  /**
   * Runs the hooks and groups in the order they were registered. A message whose hook failed skips its
   * remaining hooks; a failed group fails every message that gave it an item. Returns the first error
   * of each failed message.
   */
  async runHooks(): Promise<Map<number, unknown>> {
    const failed = new Map<number, unknown>();
    for (const { hook, group, message } of this.entries) {
      if (hook && failed.has(message)) continue;
      try {
        if (hook) await hook();
        else if (group) await group.batch.applyAll(group.items);
      } catch (error) {
        for (const failing of group ? group.messages : [message]) {
          if (!failed.has(failing)) failed.set(failing, error);
        }
      }
    }
    return failed;
  }
}

const units = new AsyncLocalStorage<UnitOfWork>();

export function currentUnitOfWork(): UnitOfWork | undefined {
  return units.getStore();
}

export function runInUnitOfWork<T>(unit: UnitOfWork, work: () => Promise<T>): Promise<T> {
  return units.run(unit, work);
}

/**
 * Runs `hook` once the transaction of the event being handled has committed: at once when there is
 * none (or it has committed already), else right after the commit. A handler puts its Redis and queue
 * side effects here, so nothing outside Postgres ever refers to data that is not committed.
 */
export async function afterCommit(hook: AfterCommitHook): Promise<void> {
  const unit = units.getStore();
  if (unit) unit.afterCommit(hook);
  else await hook();
}

/**
 * Hands `item` to `batch` once the transaction of the event being handled has committed, together with
 * the items of the other events of that transaction (a consumer's batch): at once when there is none.
 */
export async function afterCommitTogether<T>(batch: AfterCommitBatch<T>, item: T): Promise<void> {
  const unit = units.getStore();
  if (unit) unit.together(batch, item);
  else await batch.applyAll([item]);
}

import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';

/** Work that must wait for the commit: Redis, BullMQ, in-process listeners. */
export type AfterCommitHook = () => Promise<void> | void;

/**
 * The transaction a handler's side effects join, and what is to happen once it commits.
 *
 * `InboxService.handleOnce` opens one per event. The consumer opens one for a whole partition batch
 * (`shared`): every event of the batch joins it, and the batch commits once.
 */
export class UnitOfWork {
  private readonly hooks: { hook: AfterCommitHook; message: number }[] = [];
  /** The message of the batch that hooks registered now belong to. */
  message = 0;

  constructor(
    readonly manager: EntityManager | undefined,
    readonly shared: boolean,
  ) {}

  afterCommit(hook: AfterCommitHook): void {
    this.hooks.push({ hook, message: this.message });
  }

  /**
   * Runs the hooks in the order they were registered. A message whose hook failed skips its remaining
   * hooks; the others go on. Returns the first error of each message that had one.
   */
  async runHooks(): Promise<Map<number, unknown>> {
    const failed = new Map<number, unknown>();
    for (const { hook, message } of this.hooks) {
      if (failed.has(message)) continue;
      try {
        await hook();
      } catch (error) {
        failed.set(message, error);
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

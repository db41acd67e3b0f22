import { Inject, Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@relaydesk/contracts';
import { quoteIdent } from '@relaydesk/persistence';
import { APP_CONFIG } from '@relaydesk/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import { describeError } from './errors';
import type { MessagingConfig } from './messaging.config';
import { type BeforeCommitBatch, currentUnitOfWork, runInUnitOfWork, UnitOfWork } from './unit-of-work';

export type HandlerOutcome = { outcome: 'handled' } | { outcome: 'skipped'; reason: string };

export const HANDLED: HandlerOutcome = { outcome: 'handled' };

export interface HandleOnceOptions {
  /**
   * The event is usually recorded already, because its producer projected it in the very transaction
   * that published it. Inside a batch its record is then written at once (`ON CONFLICT DO NOTHING`) and
   * a recorded event is skipped there, instead of its buffered record failing, and so undoing, the
   * whole batch at the commit. One round trip per such event.
   */
  usuallyRecorded?: boolean;
}

/**
 * Idempotent consumers: an event's id is recorded in the same transaction as the handler's side effects
 * (and the events it writes to the outbox), so a redelivered event changes nothing.
 */
@Injectable()
export class InboxService {
  private readonly table: string;
  /** The (consumer, event) records of a consumer batch, written together before its commit. */
  private readonly records: BeforeCommitBatch<[string, string]> = {
    writeAll: (manager, items) => this.insertAll(manager, items),
  };
  /** What each open batch has recorded so far (an event delivered twice within one batch runs once). */
  private readonly inBatch = new WeakMap<UnitOfWork, Set<string>>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: MessagingConfig,
  ) {
    this.table = `${quoteIdent(config.DB_SCHEMA)}.processed_events`;
  }

  /**
   * Runs `work` once per (consumer, event). A concurrent duplicate waits on the row lock of the first
   * and then finds the event recorded.
   *
   * Inside a consumer's batch transaction the work joins it (a failure makes the consumer undo the
   * batch and handle this event on its own), and the record is written with those of the batch's other
   * events in one `INSERT` just before the commit. An event that was processed already (a redelivery
   * after a crash) makes that `INSERT` fail, so the batch rolls back — its work undone — and its events
   * are handled on their own, where each finds out at once. Outside a batch the work runs in a
   * transaction of its own. Either way, hooks given to `afterCommit` run after the commit.
   */
  async handleOnce(
    consumer: string,
    event: Pick<EventEnvelope, 'id'>,
    work: (manager: EntityManager) => Promise<HandlerOutcome | void>,
    options: HandleOnceOptions = {},
  ): Promise<HandlerOutcome> {
    const batch = currentUnitOfWork();
    if (batch?.shared && batch.manager)
      return this.recordInBatch(batch, batch.manager, consumer, event, work, options);
    const unit = await this.dataSource.transaction(async (manager) => {
      const own = new UnitOfWork(manager, false);
      const outcome = await runInUnitOfWork(own, () => this.record(manager, consumer, event, work));
      return { own, outcome };
    });
    const [error] = (await unit.own.runHooks()).values();
    if (error !== undefined) throw error instanceof Error ? error : new Error(describeError(error));
    return unit.outcome;
  }

  private async recordInBatch(
    unit: UnitOfWork,
    manager: EntityManager,
    consumer: string,
    event: Pick<EventEnvelope, 'id'>,
    work: (manager: EntityManager) => Promise<HandlerOutcome | void>,
    options: HandleOnceOptions,
  ): Promise<HandlerOutcome> {
    let recorded = this.inBatch.get(unit);
    if (!recorded) this.inBatch.set(unit, (recorded = new Set()));
    const key = `${consumer}\n${event.id}`;
    if (recorded.has(key)) return { outcome: 'skipped', reason: 'already processed' };
    recorded.add(key);
    if (options.usuallyRecorded) return this.record(manager, consumer, event, work);
    unit.bufferWrite(this.records, manager, [consumer, event.id]);
    return (await work(manager)) ?? HANDLED;
  }

  /** Plain `INSERT`: a record that exists already must fail the batch (see `handleOnce`). */
  private async insertAll(manager: EntityManager, records: readonly [string, string][]): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.table} (consumer, event_id) SELECT * FROM unnest($1::text[], $2::uuid[])`,
      [records.map(([consumer]) => consumer), records.map(([, eventId]) => eventId)],
    );
  }

  private async record(
    manager: EntityManager,
    consumer: string,
    event: Pick<EventEnvelope, 'id'>,
    work: (manager: EntityManager) => Promise<HandlerOutcome | void>,
  ): Promise<HandlerOutcome> {
    const recorded: unknown[] = await manager.query(
      `INSERT INTO ${this.table} (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id`,
      [consumer, event.id],
    );
    if (recorded.length === 0) return { outcome: 'skipped', reason: 'already processed' } as const;
    return (await work(manager)) ?? HANDLED;
  }
}

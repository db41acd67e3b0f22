import { Inject, Injectable } from '@nestjs/common';
import type { EventEnvelope, Topic } from '@relaydesk/contracts';
import { quoteIdent } from '@relaydesk/persistence';
import { APP_CONFIG } from '@relaydesk/runtime';
import type { EntityManager } from 'typeorm';
import { createEnvelope, type NewEvent } from './envelope.factory';
import { recordOf } from './event.producer';
import type { MessagingConfig } from './messaging.config';
import { OutboxRelay } from './outbox.relay';
import { type BeforeCommitBatch, currentUnitOfWork } from './unit-of-work';

/** An outbox row's columns, in the order of `OUTBOX_COLUMNS`. */
export interface OutboxRow<T extends Topic = Topic> {
  envelope: EventEnvelope<T>;
  /** id, topic, key, value, headers (JSON) */
  values: [string, string, string, string, string];
}

/** The outbox table's columns a writer fills (`seq` and `created_at` have defaults). */
export const OUTBOX_COLUMNS = '(id, topic, key, value, headers)';

/** The outbox table of a schema (quoted). */
export function outboxTable(schema: string): string {
  return `${quoteIdent(schema)}.outbox`;
}

/**
 * The envelope of a new event and its outbox row. For a hot path that writes the row in a statement of
 * its own making (`INSERT INTO ${outboxTable(schema)} ${OUTBOX_COLUMNS} ...`); otherwise use `enqueue`.
 */
export function outboxRow<T extends Topic>(topic: T, event: NewEvent<T>): OutboxRow<T> {
  const envelope = createEnvelope(topic, event);
  const record = recordOf(topic, envelope);
  return {
    envelope,
    values: [envelope.id, record.topic, record.key, record.value, JSON.stringify(record.headers)],
  };
}

/**
 * Writes events in the caller's transaction. They are published by the relay after the commit, so an
 * event exists if and only if the data that caused it was committed.
 *
 * Inside a consumer's batch transaction the rows of every event of the batch are written together, in
 * one `INSERT` just before the commit (a round trip per event saved); the envelopes are returned at once
 * either way.
 */
@Injectable()
export class OutboxService {
  private readonly table: string;
  /** The rows of a consumer batch's events, written together before its commit. */
  private readonly rows: BeforeCommitBatch<OutboxRow[]> = {
    writeAll: (manager, items) => this.insert(manager, items.flat()),
  };

  constructor(
    @Inject(APP_CONFIG) config: MessagingConfig,
    private readonly relay: OutboxRelay,
  ) {
    this.table = outboxTable(config.DB_SCHEMA);
  }

  /** Adds one event to the transaction of `manager`; returns its envelope. */
  async enqueue<T extends Topic>(
    manager: EntityManager,
    topic: T,
    event: NewEvent<T>,
  ): Promise<EventEnvelope<T>> {
    const [envelope] = await this.enqueueAll(manager, [{ topic, event }]);
    return envelope;
  }

  async enqueueAll(
    manager: EntityManager,
    events: readonly { topic: Topic; event: NewEvent<Topic> }[],
  ): Promise<EventEnvelope[]> {
    if (events.length === 0) return [];
    const transaction = manager.queryRunner;
    if (!transaction?.isTransactionActive) {
      throw new Error('OutboxService.enqueue needs the EntityManager of an open transaction');
    }
    const rows = events.map(({ topic, event }) => outboxRow(topic, event));
    this.relay.wakeAfterCommit(transaction);
    if (!currentUnitOfWork()?.bufferWrite(this.rows, manager, rows)) await this.insert(manager, rows);
    return rows.map((row) => row.envelope);
  }

  private async insert(manager: EntityManager, rows: readonly OutboxRow[]): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.table} ${OUTBOX_COLUMNS}
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`,
      [0, 1, 2, 3, 4].map((column) => rows.map((row) => row.values[column])),
    );
  }
}

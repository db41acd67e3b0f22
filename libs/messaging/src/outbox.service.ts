import { Inject, Injectable } from '@nestjs/common';
import type { EventEnvelope, Topic } from '@relaydesk/contracts';
import { quoteIdent } from '@relaydesk/persistence';
import { APP_CONFIG } from '@relaydesk/runtime';
import type { EntityManager } from 'typeorm';
import { createEnvelope, type NewEvent } from './envelope.factory';
import { recordOf } from './event.producer';
import type { MessagingConfig } from './messaging.config';

/**
 * Writes events in the caller's transaction. They are published by the relay after the commit, so an
 * event exists if and only if the data that caused it was committed.
 */
@Injectable()
export class OutboxService {
  private readonly table: string;

  constructor(@Inject(APP_CONFIG) config: MessagingConfig) {
    this.table = `${quoteIdent(config.DB_SCHEMA)}.outbox`;
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
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('OutboxService.enqueue needs the EntityManager of an open transaction');
    }
    const envelopes = events.map(({ topic, event }) => createEnvelope(topic, event));
    const records = envelopes.map((envelope, index) => recordOf(events[index].topic, envelope));
    await manager.query(
      `INSERT INTO ${this.table} (id, topic, key, value, headers)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`,
      [
        envelopes.map((envelope) => envelope.id),
        records.map((record) => record.topic),
        records.map((record) => record.key),
        records.map((record) => record.value),
        records.map((record) => JSON.stringify(record.headers)),
      ],
    );
    return envelopes;
  }
}

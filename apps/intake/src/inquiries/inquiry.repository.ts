import { Inject, Injectable } from '@nestjs/common';
import type { InquiryStatus } from '@relaydesk/contracts';
import { quoteIdent } from '@relaydesk/persistence';
import { APP_CONFIG } from '@relaydesk/runtime';
import { OUTBOX_COLUMNS, outboxTable, type OutboxRow } from '@relaydesk/messaging';
import type { Pool, PoolClient, QueryConfig } from 'pg';
import { DataSource } from 'typeorm';
import type { IntakeConfig } from '../config';
import { TIMELINE_CONSUMER } from '../tracking/timeline-projection';
import type { NewInquiry } from './inquiry.dto';
import type { ThreadInquiry } from './threading';

export interface MessageRow {
  id: string;
  inquiryId: string;
  adapterId: string;
  externalId: string;
  channel: string;
  threadId: string | undefined;
  customer: NewInquiry['customer'];
  subject: string | undefined;
  body: string;
  receivedAt: Date;
  acceptedAt: Date;
}

export interface InquiryRow {
  id: string;
  adapterId: string;
  channel: string;
  customerKey: string | undefined;
  threadId: string | undefined;
  previousInquiryId: string | undefined;
  trackingTokenHash: Buffer;
  trackingTokenSealed: string;
  acceptedAt: Date;
}

/** The first timeline entry of a new inquiry, as the projection makes it from its inquiry.received event. */
export interface FirstEntry {
  type: string;
  at: string;
}

/** A pooled connection, or one in a transaction. */
export type Queryable = Pick<Pool | PoolClient, 'query'>;

/** What a repeated (adapter, externalId) is answered with. */
export interface StoredAnswer {
  inquiryId: string;
  messageId: string;
  trackingTokenSealed: string;
  status: InquiryStatus;
  previousInquiryId: string | undefined;
}

/**
 * Inquiries, messages and their events in SQL, on the pg pool under TypeORM's DataSource (the hot path
 * needs neither entities nor TypeORM's query runners). Statements are named (prepared once per
 * connection). A first message without a thread is ONE autocommitted statement: dedupe, message,
 * inquiry and the outbox row together.
 */
@Injectable()
export class InquiryRepository {
  private readonly pool: Pool;
  private readonly sql: Record<'open' | 'followUp' | 'latest' | 'answer', string>;

  constructor(
    readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: IntakeConfig,
  ) {
    // TypeORM's Postgres driver keeps its pg.Pool as `master` (sized by DB_POOL_SIZE).
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
    const schema = quoteIdent(config.DB_SCHEMA);
    const inquiries = `${schema}.inquiries`;
    const messages = `${schema}.messages`;
    // The outbox table of @relaydesk/messaging in this schema, written in the same statement as the data.
    const outbox = `${outboxTable(config.DB_SCHEMA)} ${OUTBOX_COLUMNS}`;
    const processed = `${schema}.processed_events`;
    const entries = `${schema}.timeline_entries`;
    const insertMessage = (openedInquiry: boolean) =>
      `INSERT INTO ${messages}
         (id, inquiry_id, adapter_id, external_id, opened_inquiry, channel, thread_id, customer, subject, body, received_at, accepted_at)
       VALUES ($1, $2, $3, $4, ${openedInquiry}, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT ON CONSTRAINT messages_dedupe DO NOTHING
       RETURNING id`;
    this.sql = {
      // Nothing but the message's conflict check happens for a duplicate; a concurrent copy waits for
      // the first one's commit and then inserts nothing. The message's foreign key is deferred.
      // The inquiry.received event is projected here too (its timeline entry, and the inbox record that
      // makes the timeline consumer skip it): the status page is current when the 202 is sent, and the
      // consumer has nothing to write for intake's most frequent event.
      open: `WITH message AS (${insertMessage(true)}),
        inquiry AS (
          INSERT INTO ${inquiries}
            (id, adapter_id, channel, customer_key, thread_id, previous_inquiry_id, tracking_token_hash,
             tracking_token_sealed, accepted_at, status, status_at, timeline_seq)
          SELECT $2, $3, $5, $12, $6, $13, $14, $15, $11, 'received', $11, 1 WHERE EXISTS (SELECT 1 FROM message)
          RETURNING id),
        entry AS (
          INSERT INTO ${entries} (inquiry_id, seq, type, at, event_id)
          SELECT id, 1, $21, $22, $16 FROM inquiry),
        projected AS (
          INSERT INTO ${processed} (consumer, event_id) SELECT '${TIMELINE_CONSUMER}', $16 FROM inquiry)
        INSERT INTO ${outbox}
        SELECT $16, $17, $18, $19, $20 WHERE EXISTS (SELECT 1 FROM inquiry)
        RETURNING seq`,
      followUp: `WITH message AS (${insertMessage(false)}),
        event AS (
          INSERT INTO ${outbox}
          SELECT $12, $13, $14, $15, $16 WHERE EXISTS (SELECT 1 FROM message)
          RETURNING seq)
        SELECT tracking_token_sealed AS sealed FROM ${inquiries}
         WHERE id = $2 AND EXISTS (SELECT 1 FROM event)`,
      latest: `SELECT id, status FROM ${inquiries}
        WHERE customer_key = $1 AND channel = $2 AND thread_id = $3
        ORDER BY accepted_at DESC LIMIT 1`,
      answer: `SELECT m.inquiry_id AS "inquiryId", m.id AS "messageId", i.tracking_token_sealed AS "trackingTokenSealed",
             i.status, i.previous_inquiry_id AS "previousInquiryId"
        FROM ${messages} m JOIN ${inquiries} i ON i.id = m.inquiry_id
       WHERE m.adapter_id = $1 AND m.external_id = $2`,
    };
  }

  /** A pooled connection for statements that need no transaction. */
  get db(): Queryable {
    return this.pool;
  }

  /** Runs `work` in a transaction on one connection of the pool. */
  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      // A connection whose rollback failed is not given back to the pool.
      const broken = await client.query('ROLLBACK').then(
        () => undefined,
        (rollbackError: unknown) => rollbackError,
      );
      client.release(broken instanceof Error ? broken : undefined);
      throw error;
    }
  }

  /** Serialises messages of one thread, so two first messages of a thread cannot open two inquiries. */
  async lockThread(client: PoolClient, key: string): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
  }

  async latestOfThread(
    client: PoolClient,
    customerKey: string,
    channel: string,
    threadId: string,
  ): Promise<ThreadInquiry | undefined> {
    const { rows } = await client.query<ThreadInquiry>(
      this.named('latest', [customerKey, channel, threadId]),
    );
    return rows[0];
  }

  /**
   * The message, its new inquiry, the inquiry's event and its first timeline entry in one statement. Nothing is written when the
   * adapter already sent this externalId. Returns false for a duplicate.
   */
  async insertMessageOpeningInquiry(
    db: Queryable,
    message: MessageRow,
    inquiry: InquiryRow,
    event: OutboxRow,
    firstEntry: FirstEntry,
  ): Promise<boolean> {
    const { rowCount } = await db.query(
      this.named('open', [
        ...this.messageParams(message),
        inquiry.customerKey ?? null,
        inquiry.previousInquiryId ?? null,
        inquiry.trackingTokenHash,
        inquiry.trackingTokenSealed,
        ...event.values,
        firstEntry.type,
        firstEntry.at,
      ]),
    );
    return rowCount === 1;
  }

  /**
   * A thread follow-up and its event in one statement; returns the inquiry's sealed tracking token, or
   * undefined for a duplicate.
   */
  async insertFollowUp(db: Queryable, message: MessageRow, event: OutboxRow): Promise<string | undefined> {
    const { rows } = await db.query<{ sealed: string }>(
      this.named('followUp', [...this.messageParams(message), ...event.values]),
    );
    return rows[0]?.sealed;
  }

  async storedAnswer(adapterId: string, externalId: string): Promise<StoredAnswer | undefined> {
    const { rows } = await this.pool.query<StoredAnswer>(this.named('answer', [adapterId, externalId]));
    const row = rows[0];
    return row ? { ...row, previousInquiryId: row.previousInquiryId ?? undefined } : undefined;
  }

  /** A prepared statement: parsed and planned once per connection. */
  private named(name: keyof InquiryRepository['sql'], values: unknown[]): QueryConfig<unknown[]> {
    return { name: `intake-${name}`, text: this.sql[name], values };
  }

  private messageParams(message: MessageRow): unknown[] {
    return [
      message.id,
      message.inquiryId,
      message.adapterId,
      message.externalId,
      message.channel,
      message.threadId ?? null,
      JSON.stringify(message.customer),
      message.subject ?? null,
      message.body,
      message.receivedAt,
      message.acceptedAt,
    ];
  }
}

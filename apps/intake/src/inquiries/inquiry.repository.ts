import { Inject, Injectable } from '@nestjs/common';
import type { InquiryStatus } from '@relaydesk/contracts';
import { quoteIdent } from '@relaydesk/persistence';
import { APP_CONFIG } from '@relaydesk/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import type { IntakeConfig } from '../config';
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

/** What a repeated (adapter, externalId) is answered with. */
export interface StoredAnswer {
  inquiryId: string;
  messageId: string;
  trackingTokenSealed: string;
  status: InquiryStatus;
  previousInquiryId: string | undefined;
}

/** Inquiries and messages in SQL: one round trip per write on the hot path. */
@Injectable()
export class InquiryRepository {
  private readonly inquiries: string;
  private readonly messages: string;

  constructor(
    readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: IntakeConfig,
  ) {
    const schema = quoteIdent(config.DB_SCHEMA);
    this.inquiries = `${schema}.inquiries`;
    this.messages = `${schema}.messages`;
  }

  /** Serialises messages of one thread, so two first messages of a thread cannot open two inquiries. */
  async lockThread(manager: EntityManager, key: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [key]);
  }

  async latestOfThread(
    manager: EntityManager,
    customerKey: string,
    channel: string,
    threadId: string,
  ): Promise<ThreadInquiry | undefined> {
    const rows: ThreadInquiry[] = await manager.query(
      `SELECT id, status FROM ${this.inquiries}
        WHERE customer_key = $1 AND channel = $2 AND thread_id = $3
        ORDER BY accepted_at DESC LIMIT 1`,
      [customerKey, channel, threadId],
    );
    return rows[0];
  }

  /**
   * The message and its new inquiry in one statement. Nothing is inserted when the adapter already
   * sent this externalId; a concurrent copy waits for the first one's commit and then finds it.
   * Returns false for a duplicate.
   */
  async insertMessageOpeningInquiry(
    manager: EntityManager,
    message: MessageRow,
    inquiry: InquiryRow,
  ): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `WITH message AS (
         INSERT INTO ${this.messages}
           (id, inquiry_id, adapter_id, external_id, opened_inquiry, channel, thread_id, customer, subject, body, received_at, accepted_at)
         VALUES ($1, $2, $3, $4, true, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT ON CONSTRAINT messages_dedupe DO NOTHING
         RETURNING id)
       INSERT INTO ${this.inquiries}
         (id, adapter_id, channel, customer_key, thread_id, previous_inquiry_id, tracking_token_hash,
          tracking_token_sealed, accepted_at, status, status_at)
       SELECT $2, $3, $5, $12, $6, $13, $14, $15, $11, 'received', $11 WHERE EXISTS (SELECT 1 FROM message)
       RETURNING id`,
      [
        ...this.messageParams(message),
        inquiry.customerKey ?? null,
        inquiry.previousInquiryId ?? null,
        inquiry.trackingTokenHash,
        inquiry.trackingTokenSealed,
      ],
    );
    return rows.length === 1;
  }

  /** A thread follow-up; false for a duplicate. */
  async insertFollowUp(manager: EntityManager, message: MessageRow): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO ${this.messages}
         (id, inquiry_id, adapter_id, external_id, opened_inquiry, channel, thread_id, customer, subject, body, received_at, accepted_at)
       VALUES ($1, $2, $3, $4, false, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT ON CONSTRAINT messages_dedupe DO NOTHING
       RETURNING id`,
      this.messageParams(message),
    );
    return rows.length === 1;
  }

  async sealedTokenOf(manager: EntityManager, inquiryId: string): Promise<string> {
    const rows: { sealed: string }[] = await manager.query(
      `SELECT tracking_token_sealed AS sealed FROM ${this.inquiries} WHERE id = $1`,
      [inquiryId],
    );
    if (!rows[0]) throw new Error(`inquiry ${inquiryId} vanished`);
    return rows[0].sealed;
  }

  async storedAnswer(adapterId: string, externalId: string): Promise<StoredAnswer | undefined> {
    const rows: StoredAnswer[] = await this.dataSource.query(
      `SELECT m.inquiry_id AS "inquiryId", m.id AS "messageId", i.tracking_token_sealed AS "trackingTokenSealed",
              i.status, i.previous_inquiry_id AS "previousInquiryId"
         FROM ${this.messages} m JOIN ${this.inquiries} i ON i.id = m.inquiry_id
        WHERE m.adapter_id = $1 AND m.external_id = $2`,
      [adapterId, externalId],
    );
    const row = rows[0];
    return row ? { ...row, previousInquiryId: row.previousInquiryId ?? undefined } : undefined;
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

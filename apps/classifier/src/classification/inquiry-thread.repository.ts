import { Injectable } from '@nestjs/common';
import type { Classification } from '@relaydesk/classification';
import type { CustomerTier } from '@relaydesk/contracts';
import { quoteIdent } from '@relaydesk/persistence';
import type { EntityManager } from 'typeorm';
import type { InquiryFacts, ThreadMessage } from './thread';

export interface InquiryRow {
  id: string;
  channel: InquiryFacts['channel'] | null;
  customerTier: CustomerTier | null;
  acceptedAt: Date | null;
  receivedAt: Date | null;
  lastClassification: Classification | null;
}

export interface NewMessage {
  inquiryId: string;
  messageId: string;
  kind: ThreadMessage['kind'];
  subject?: string;
  body: string;
  acceptedAt: string;
}

export interface LogEntry {
  inquiryId: string;
  causeEventId: string;
  classifierVersion: string;
  reclassification: boolean;
  previousPriority?: string;
  result: Classification;
  classifiedAt: Date;
}

/** The classifier's tables, always used inside the caller's transaction (the inbox's). */
@Injectable()
export class InquiryThreadRepository {
  private schemaOf(manager: EntityManager): string {
    return quoteIdent((manager.connection.options as { schema: string }).schema);
  }

  /**
   * Creates the inquiry's row if needed and locks it for the rest of the transaction, so a follow-up
   * and inquiry.received handled at the same time (they travel on different topics) take turns.
   */
  async lock(manager: EntityManager, inquiryId: string): Promise<InquiryRow> {
    const schema = this.schemaOf(manager);
    await manager.query(`INSERT INTO ${schema}.inquiries (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`, [
      inquiryId,
    ]);
    const rows: {
      id: string;
      channel: InquiryRow['channel'];
      customer_tier: CustomerTier | null;
      accepted_at: Date | null;
      received_at: Date | null;
      last_classification: Classification | null;
    }[] = await manager.query(
      `SELECT id, channel, customer_tier, accepted_at, received_at, last_classification
         FROM ${schema}.inquiries WHERE id = $1 FOR UPDATE`,
      [inquiryId],
    );
    const row = rows[0];
    return {
      id: row.id,
      channel: row.channel,
      customerTier: row.customer_tier,
      acceptedAt: row.accepted_at,
      receivedAt: row.received_at,
      lastClassification: row.last_classification,
    };
  }

  async markReceived(
    manager: EntityManager,
    facts: InquiryFacts & { subject?: string; receivedAt: string },
  ): Promise<void> {
    await manager.query(
      `UPDATE ${this.schemaOf(manager)}.inquiries
          SET channel = $2, customer_tier = $3, accepted_at = $4, subject = $5, received_at = $6, updated_at = now()
        WHERE id = $1`,
      [
        facts.inquiryId,
        facts.channel,
        facts.customerTier,
        facts.acceptedAt,
        facts.subject ?? null,
        facts.receivedAt,
      ],
    );
  }

  /** False when the message is already stored (the same message delivered by another event). */
  async addMessage(manager: EntityManager, message: NewMessage): Promise<boolean> {
    const inserted: unknown[] = await manager.query(
      `INSERT INTO ${this.schemaOf(manager)}.inquiry_messages (message_id, inquiry_id, kind, subject, body, accepted_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id) DO NOTHING RETURNING message_id`,
      [
        message.messageId,
        message.inquiryId,
        message.kind,
        message.subject ?? null,
        message.body,
        message.acceptedAt,
      ],
    );
    return inserted.length > 0;
  }

  async thread(manager: EntityManager, inquiryId: string): Promise<ThreadMessage[]> {
    const rows: ThreadMessage[] = await manager.query(
      `SELECT kind, subject, body FROM ${this.schemaOf(manager)}.inquiry_messages
        WHERE inquiry_id = $1
        ORDER BY (kind = 'initial') DESC, accepted_at, seq`,
      [inquiryId],
    );
    return rows;
  }

  async saveClassification(manager: EntityManager, entry: LogEntry): Promise<void> {
    const schema = this.schemaOf(manager);
    const { result } = entry;
    await manager.query(
      `UPDATE ${schema}.inquiries SET last_classification = $2, classified_at = $3, updated_at = now() WHERE id = $1`,
      [entry.inquiryId, JSON.stringify(result), entry.classifiedAt],
    );
    await manager.query(
      `INSERT INTO ${schema}.classification_log
         (inquiry_id, cause_event_id, classifier_version, reclassification, category, priority, previous_priority,
          language, needs_review, result, classified_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        entry.inquiryId,
        entry.causeEventId,
        entry.classifierVersion,
        entry.reclassification,
        result.category,
        result.priority,
        entry.previousPriority ?? null,
        result.language,
        result.needsReview,
        JSON.stringify(result),
        entry.classifiedAt,
      ],
    );
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { PayloadOf, Topic } from '@relaydesk/contracts';
import { quoteIdent } from '@relaydesk/persistence';
import { APP_CONFIG } from '@relaydesk/runtime';
import type { EntityManager } from 'typeorm';
import type { NotificationConfig } from '../config';

export interface SuggestedArticle {
  title: string;
  url: string;
}

/** What notification knows of an inquiry: who to tell, where, in which language, and what is done. */
export interface RecipientRow {
  inquiry_id: string;
  received_event_id: string | null;
  channel: string | null;
  adapter_id: string | null;
  external_id: string | null;
  thread_id: string | null;
  customer_id: string | null;
  email: string | null;
  handle: string | null;
  name: string | null;
  locale: string | null;
  tier: string | null;
  tracking_token_sealed: string | null;
  received_at: Date | null;
  language: string | null;
  suggested_articles: SuggestedArticle[] | null;
  classified_at: Date | null;
  first_response_due_at: Date | null;
  deadlines_set_at: Date | null;
  agent_id: string | null;
  customer_told_assigned_at: Date | null;
  resolved_at: Date | null;
  acknowledged_at: Date | null;
}

/**
 * One row per inquiry, filled in by whichever event arrives first (events of different topics come in
 * any order). Every write locks the row, so the decisions taken on it (acknowledge now?) are serial.
 */
@Injectable()
export class RecipientsRepository {
  private readonly table: string;

  constructor(@Inject(APP_CONFIG) config: NotificationConfig) {
    this.table = `${quoteIdent(config.DB_SCHEMA)}.recipients`;
  }

  /** Upserts some columns and returns the locked row. */
  async upsert(
    manager: EntityManager,
    inquiryId: string,
    values: Record<string, unknown>,
  ): Promise<RecipientRow> {
    const columns = Object.keys(values);
    const params = [inquiryId, ...columns.map((column) => values[column])];
    const insertColumns = ['inquiry_id', ...columns].join(', ');
    const placeholders = params.map((_, index) => `$${index + 1}`).join(', ');
    const updates = [...columns.map((column) => `${column} = EXCLUDED.${column}`), 'updated_at = now()'].join(
      ', ',
    );
    const rows: RecipientRow[] = await manager.query(
      `INSERT INTO ${this.table} (${insertColumns}) VALUES (${placeholders})
       ON CONFLICT (inquiry_id) DO UPDATE SET ${updates}
       RETURNING *`,
      params,
    );
    return rows[0];
  }

  async lock(manager: EntityManager, inquiryId: string): Promise<RecipientRow | undefined> {
    const rows: RecipientRow[] = await manager.query(
      `SELECT * FROM ${this.table} WHERE inquiry_id = $1 FOR UPDATE`,
      [inquiryId],
    );
    return rows[0];
  }

  async mark(
    manager: EntityManager,
    inquiryId: string,
    column: 'acknowledged_at' | 'customer_told_assigned_at',
  ): Promise<void> {
    await manager.query(
      `UPDATE ${this.table} SET ${column} = now(), updated_at = now() WHERE inquiry_id = $1`,
      [inquiryId],
    );
  }

  /** Inquiries received but not acknowledged: their grace timers are re-armed at start. */
  async awaitingAcknowledgement(
    manager: EntityManager,
    limit: number,
  ): Promise<{ inquiry_id: string; received_at: Date }[]> {
    return manager.query(
      `SELECT inquiry_id, received_at FROM ${this.table}
       WHERE received_at IS NOT NULL AND acknowledged_at IS NULL ORDER BY received_at LIMIT $1`,
      [limit],
    );
  }

  static receivedValues(
    eventId: string,
    payload: PayloadOf<typeof Topic.InquiryReceived>,
  ): Record<string, unknown> {
    return {
      received_event_id: eventId,
      channel: payload.channel,
      adapter_id: payload.adapterId,
      external_id: payload.externalId,
      thread_id: payload.threadId ?? null,
      customer_id: payload.customer.id ?? null,
      email: payload.customer.email ?? null,
      handle: payload.customer.handle ?? null,
      name: payload.customer.name ?? null,
      locale: payload.customer.locale ?? null,
      tier: payload.customer.tier,
      tracking_token_sealed: payload.trackingTokenSealed ?? null,
      received_at: payload.acceptedAt,
    };
  }
}

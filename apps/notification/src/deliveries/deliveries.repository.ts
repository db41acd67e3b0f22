import { Inject, Injectable } from '@nestjs/common';
import type { NotificationKind, Recipient } from '@relaydesk/contracts';
import { quoteIdent } from '@relaydesk/persistence';
import { APP_CONFIG } from '@relaydesk/runtime';
import type { EntityManager } from 'typeorm';
import type { NotificationConfig } from '../config';
import type { ClaimedDelivery, DeliveryRef, DeliveryRow, StoredMessage, Transport } from './delivery.model';

export interface NewDelivery {
  id: string;
  eventId: string;
  inquiryId: string;
  kind: NotificationKind;
  recipient: Recipient;
  recipientKey: string;
  channel: string;
  variables: Record<string, unknown>;
  /** Absent: held until the customer's address and language are known (and acknowledged). */
  ready?: { transport: Transport; address: string; language: string; message: StoredMessage };
}

export type SentRow = Pick<
  DeliveryRow,
  'id' | 'inquiry_id' | 'kind' | 'recipient' | 'channel' | 'language' | 'attempts' | 'sent_at'
>;

@Injectable()
export class DeliveriesRepository {
  private readonly table: string;

  constructor(@Inject(APP_CONFIG) config: NotificationConfig) {
    this.table = `${quoteIdent(config.DB_SCHEMA)}.deliveries`;
  }

  /** Inserts once per (event, recipient, kind); false when it already existed. */
  async insert(manager: EntityManager, delivery: NewDelivery): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO ${this.table}
         (id, event_id, inquiry_id, kind, recipient, recipient_key, channel, variables, held, transport, address, language, message)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT DO NOTHING RETURNING id`,
      [
        delivery.id,
        delivery.eventId,
        delivery.inquiryId,
        delivery.kind,
        delivery.recipient,
        delivery.recipientKey,
        delivery.channel,
        JSON.stringify(delivery.variables),
        delivery.ready === undefined,
        delivery.ready?.transport ?? null,
        delivery.ready?.address ?? null,
        delivery.ready?.language ?? null,
        delivery.ready ? JSON.stringify(delivery.ready.message) : null,
      ],
    );
    return rows.length > 0;
  }

  async held(manager: EntityManager, inquiryId: string): Promise<DeliveryRow[]> {
    return manager.query(
      `SELECT * FROM ${this.table} WHERE inquiry_id = $1 AND held AND status = 'queued' ORDER BY created_at FOR UPDATE`,
      [inquiryId],
    );
  }

  async release(
    manager: EntityManager,
    id: string,
    channel: string,
    ready: { transport: Transport; address: string; language: string; message: StoredMessage },
  ): Promise<void> {
    await manager.query(
      `UPDATE ${this.table} SET held = false, channel = $2, transport = $3, address = $4, language = $5, message = $6
       WHERE id = $1`,
      [id, channel, ready.transport, ready.address, ready.language, JSON.stringify(ready.message)],
    );
  }

  /**
   * Claims one attempt of each queued delivery of `ids`: counts it and returns what to send. A delivery
   * already sent or failed (a redelivered job, a re-enqueue after a restart) is not returned: it is never
   * sent again. One statement for the claims of many concurrent jobs; it returns only what sending needs.
   */
  async claim(manager: EntityManager, ids: readonly string[]): Promise<ClaimedDelivery[]> {
    const rows: [ClaimedDelivery[], number] = await manager.query(
      `UPDATE ${this.table} SET attempts = attempts + 1
       WHERE id = ANY($1::uuid[]) AND status = 'queued' AND NOT held
       RETURNING id, inquiry_id, kind, transport, address, language, message, attempts`,
      [ids],
    );
    return rows[0];
  }

  /** Records deliveries as sent; returns those that were still queued (what notification.sent.v1 says). */
  async markSent(manager: EntityManager, ids: readonly string[]): Promise<SentRow[]> {
    const rows: [SentRow[], number] = await manager.query(
      `UPDATE ${this.table} SET status = 'sent', sent_at = now(), last_error = NULL
       WHERE id = ANY($1::uuid[]) AND status = 'queued'
       RETURNING id, inquiry_id, kind, recipient, channel, language, attempts, sent_at`,
      [ids],
    );
    return rows[0];
  }

  /** Fails a queued delivery for good; `routing` fills in what a delivery that never left was missing. */
  async markFailed(
    manager: EntityManager,
    id: string,
    error: string,
    routing?: { attempts: number; channel: string; language: string },
  ): Promise<DeliveryRow | undefined> {
    const rows: [DeliveryRow[], number] = await manager.query(
      `UPDATE ${this.table} SET status = 'failed', failed_at = now(), last_error = $2, held = false,
         attempts = GREATEST(attempts, $3), channel = COALESCE($4, channel), language = COALESCE($5, language)
       WHERE id = $1 AND status = 'queued' RETURNING *`,
      [id, error.slice(0, 2000), routing?.attempts ?? 0, routing?.channel ?? null, routing?.language ?? null],
    );
    return rows[0][0];
  }

  async noteError(manager: EntityManager, id: string, error: string): Promise<void> {
    await manager.query(`UPDATE ${this.table} SET last_error = $2 WHERE id = $1`, [id, error.slice(0, 2000)]);
  }

  /** Queued deliveries ready to send, oldest first: the sweeper makes sure each has a job. */
  async pending(
    manager: EntityManager,
    olderThanMs: number,
    afterId: string,
    limit: number,
  ): Promise<DeliveryRef[]> {
    return manager.query(
      `SELECT id, transport, recipient FROM ${this.table}
       WHERE status = 'queued' AND NOT held AND id > $2
         AND created_at <= now() - make_interval(secs => $1::double precision / 1000)
       ORDER BY id LIMIT $3`,
      [olderThanMs, afterId, limit],
    );
  }

  async byInquiry(manager: EntityManager, inquiryId: string): Promise<DeliveryRow[]> {
    return manager.query(`SELECT * FROM ${this.table} WHERE inquiry_id = $1 ORDER BY created_at, id`, [
      inquiryId,
    ]);
  }
}

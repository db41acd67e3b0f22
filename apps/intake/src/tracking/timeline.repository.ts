import { Inject, Injectable } from '@nestjs/common';
import type { InquiryStatus } from '@relaydesk/contracts';
import { quoteIdent } from '@relaydesk/persistence';
import { APP_CONFIG } from '@relaydesk/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import type { IntakeConfig } from '../config';
import type { Projected } from './timeline-projection';

export interface InquiryView {
  id: string;
  trackingTokenHash: Buffer;
  status: InquiryStatus;
  category: string | null;
  priority: string | null;
  language: string | null;
  firstResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
}

export interface TimelineEntry {
  seq: number;
  type: string;
  at: Date;
}

/** The customer-status projection: columns of the inquiry row plus its timeline entries. */
@Injectable()
export class TimelineRepository {
  private readonly inquiries: string;
  private readonly entries: string;

  constructor(
    readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: IntakeConfig,
  ) {
    const schema = quoteIdent(config.DB_SCHEMA);
    this.inquiries = `${schema}.inquiries`;
    this.entries = `${schema}.timeline_entries`;
  }

  /** Locks the inquiry row for this transaction: one event of an inquiry is projected at a time. */
  async lockStatus(
    manager: EntityManager,
    inquiryId: string,
  ): Promise<{ status: InquiryStatus; at: Date } | undefined> {
    const rows: { status: InquiryStatus; at: Date }[] = await manager.query(
      `SELECT status, status_at AS at FROM ${this.inquiries} WHERE id = $1 FOR UPDATE`,
      [inquiryId],
    );
    return rows[0];
  }

  /** Applies the projected fields and status, and appends the entry with the inquiry's next sequence number. */
  async append(
    manager: EntityManager,
    inquiryId: string,
    eventId: string,
    projected: Projected,
    status: { status: InquiryStatus; at: Date },
  ): Promise<number> {
    const { fields, entry } = projected;
    const rows: { seq: number }[] = await manager.query(
      `WITH inquiry AS (
         UPDATE ${this.inquiries} SET
           status = $2, status_at = $3,
           category = COALESCE($4, category), priority = COALESCE($5, priority), language = COALESCE($6, language),
           first_response_due_at = COALESCE($7, first_response_due_at),
           resolution_due_at = COALESCE($8, resolution_due_at),
           timeline_seq = timeline_seq + 1
         WHERE id = $1
         RETURNING id, timeline_seq)
       INSERT INTO ${this.entries} (inquiry_id, seq, type, at, event_id)
       SELECT id, timeline_seq, $9, $10, $11 FROM inquiry
       RETURNING seq`,
      [
        inquiryId,
        status.status,
        status.at,
        fields.category ?? null,
        fields.priority ?? null,
        fields.language ?? null,
        fields.firstResponseDueAt ?? null,
        fields.resolutionDueAt ?? null,
        entry.type,
        entry.at,
        eventId,
      ],
    );
    return rows[0].seq;
  }

  async find(inquiryId: string): Promise<InquiryView | undefined> {
    const rows: InquiryView[] = await this.dataSource.query(
      `SELECT id, tracking_token_hash AS "trackingTokenHash", status, category, priority, language,
              first_response_due_at AS "firstResponseDueAt", resolution_due_at AS "resolutionDueAt"
         FROM ${this.inquiries} WHERE id = $1`,
      [inquiryId],
    );
    return rows[0];
  }

  /** Entries in the order they were recorded, after `afterSeq`. */
  async entriesAfter(inquiryId: string, afterSeq: number): Promise<TimelineEntry[]> {
    return this.dataSource.query(
      `SELECT seq, type, at FROM ${this.entries} WHERE inquiry_id = $1 AND seq > $2 ORDER BY seq`,
      [inquiryId, afterSeq],
    );
  }
}

import { Injectable } from '@nestjs/common';
import { type CustomerTier, type Priority, SlaClockKind, SlaClockState } from '@relaydesk/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { InquirySlaEntity, SlaClockEntity, type StoredInterval } from './inquiry-sla.entity';
import type { ClockRecord, DueTimer, InquirySla, TimerAction } from './sla.model';

/** A running clock as the re-arm needs it. */
export interface OpenClock {
  inquiryId: string;
  kind: SlaClockKind;
  dueAt: Date;
  warnAt: Date;
  warnedAt: Date | null;
  version: number;
}

/** The SLA of inquiries in Postgres (the source of truth; Redis only holds timers). */
const KINDS = [SlaClockKind.FirstResponse, SlaClockKind.Resolution] as const;

@Injectable()
export class SlaRepository {
  private tableNames?: { slas: string; clocks: string };

  constructor(private readonly dataSource: DataSource) {}

  /** Loads an inquiry's SLA; with `lock`, holds its row until the transaction ends (one writer at a time). */
  async find(manager: EntityManager, inquiryId: string, lock = false): Promise<InquirySla | undefined> {
    const rows = await manager.query<InquiryRow[]>(
      `SELECT * FROM ${this.tables(manager).slas} WHERE inquiry_id = $1${lock ? ' FOR UPDATE' : ''}`,
      [inquiryId],
    );
    if (rows.length === 0) return undefined;
    return (await this.withClocks(manager, rows)).get(inquiryId);
  }

  /**
   * Loads and locks the SLAs of several inquiries at once (a batch of fired timers). Rows another
   * transaction holds are skipped, not waited for (`SKIP LOCKED`): a batch never waits on a consumer's
   * batch, so the two can never deadlock; the caller retries the `busy` ones.
   */
  async lockMany(
    manager: EntityManager,
    inquiryIds: readonly string[],
  ): Promise<{ found: Map<string, InquirySla>; busy: Set<string> }> {
    const tables = this.tables(manager);
    const rows = await manager.query<InquiryRow[]>(
      `SELECT * FROM ${tables.slas} WHERE inquiry_id = ANY($1::uuid[]) ORDER BY inquiry_id FOR UPDATE SKIP LOCKED`,
      [inquiryIds],
    );
    const found = await this.withClocks(manager, rows);
    const missing = inquiryIds.filter((id) => !found.has(id));
    const busy = new Set<string>();
    if (missing.length > 0) {
      // Absent from a SKIP LOCKED read: either unknown, or locked by someone else right now.
      const existing = await manager.query<{ inquiry_id: string }[]>(
        `SELECT inquiry_id FROM ${tables.slas} WHERE inquiry_id = ANY($1::uuid[])`,
        [missing],
      );
      for (const row of existing) busy.add(row.inquiry_id);
    }
    return { found, busy };
  }

  async save(manager: EntityManager, sla: InquirySla, now: Date): Promise<void> {
    await this.saveMany(manager, [sla], now);
  }

  /** Upserts inquiries and their clocks: one statement per table, whatever the number of inquiries. */
  async saveMany(manager: EntityManager, slas: readonly InquirySla[], now: Date): Promise<void> {
    if (slas.length === 0) return;
    const tables = this.tables(manager);
    const clocks = slas.flatMap((sla) =>
      KINDS.map((kind) => ({ inquiryId: sla.inquiryId, ...sla.clocks[kind] })),
    );
    // One statement (one round trip) for both tables: the clocks' foreign key is checked at its end.
    await manager.query(
      `WITH slas AS (
         INSERT INTO ${tables.slas} (inquiry_id, priority, customer_tier, policy_version, policy_key, started_at,
                                     escalation_level, waiting_since, pauses, updated_at)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::timestamptz[],
                              $7::int[], $8::timestamptz[], $9::jsonb[], $10::timestamptz[])
         ON CONFLICT (inquiry_id) DO UPDATE SET
           priority = excluded.priority, customer_tier = excluded.customer_tier,
           policy_version = excluded.policy_version, policy_key = excluded.policy_key,
           started_at = excluded.started_at, escalation_level = excluded.escalation_level,
           waiting_since = excluded.waiting_since, pauses = excluded.pauses, updated_at = excluded.updated_at
       )
       INSERT INTO ${tables.clocks} (inquiry_id, kind, state, due_at, warn_at, warned_at, met_at, breached_at, version)
       SELECT * FROM unnest($11::uuid[], $12::text[], $13::text[], $14::timestamptz[], $15::timestamptz[],
                            $16::timestamptz[], $17::timestamptz[], $18::timestamptz[], $19::int[])
       ON CONFLICT (inquiry_id, kind) DO UPDATE SET
         state = excluded.state, due_at = excluded.due_at, warn_at = excluded.warn_at,
         warned_at = excluded.warned_at, met_at = excluded.met_at, breached_at = excluded.breached_at,
         version = excluded.version`,
      [
        slas.map((sla) => sla.inquiryId),
        slas.map((sla) => sla.priority),
        slas.map((sla) => sla.tier),
        slas.map((sla) => sla.policyVersion),
        slas.map((sla) => sla.policyKey),
        slas.map((sla) => sla.startedAt),
        slas.map((sla) => sla.escalationLevel),
        slas.map((sla) => sla.waitingSince),
        slas.map((sla) =>
          JSON.stringify(
            sla.pauses.map((pause): StoredInterval => ({
              from: pause.from.toISOString(),
              to: pause.to.toISOString(),
            })),
          ),
        ),
        slas.map(() => now),
        clocks.map((clock) => clock.inquiryId),
        clocks.map((clock) => clock.kind),
        clocks.map((clock) => clock.state),
        clocks.map((clock) => clock.dueAt),
        clocks.map((clock) => clock.warnAt),
        clocks.map((clock) => clock.warnedAt),
        clocks.map((clock) => clock.metAt),
        clocks.map((clock) => clock.breachedAt),
        clocks.map((clock) => clock.version),
      ],
    );
  }

  /** Running clocks after `after` (keyset pagination), for the full re-arm. */
  async openClocks(
    after: { inquiryId: string; kind: string } | undefined,
    limit: number,
  ): Promise<OpenClock[]> {
    const query = this.dataSource
      .getRepository(SlaClockEntity)
      .createQueryBuilder('c')
      .where('c.state = :state', { state: SlaClockState.Running })
      .orderBy('c.inquiry_id')
      .addOrderBy('c.kind')
      .limit(limit);
    if (after)
      query.andWhere('(c.inquiry_id, c.kind) > (:id, :kind)', { id: after.inquiryId, kind: after.kind });
    return (await query.getMany()).map(toOpenClock);
  }

  /**
   * The warnings and breaches due by `now`, earliest first: a running clock's warning not yet given and
   * its breach (each branch reads its partial index in instant order).
   */
  async dueTimers(now: Date, limit: number): Promise<DueTimer[]> {
    const { clocks } = this.tables(this.dataSource.manager);
    const rows = await this.dataSource.query<DueRow[]>(
      `(SELECT inquiry_id, kind, version, 'warn' AS action, warn_at AS at FROM ${clocks}
         WHERE state = 'running' AND warned_at IS NULL AND warn_at <= $1 ORDER BY warn_at LIMIT $2)
       UNION ALL
       (SELECT inquiry_id, kind, version, 'breach' AS action, due_at AS at FROM ${clocks}
         WHERE state = 'running' AND due_at <= $1 ORDER BY due_at LIMIT $2)
       ORDER BY at LIMIT $2`,
      [now, limit],
    );
    return rows.map((row) => ({
      inquiryId: row.inquiry_id,
      kind: row.kind,
      action: row.action,
      version: row.version,
    }));
  }

  private async withClocks(
    manager: EntityManager,
    rows: readonly InquiryRow[],
  ): Promise<Map<string, InquirySla>> {
    const result = new Map<string, InquirySla>();
    if (rows.length === 0) return result;
    const clockRows = await manager.query<ClockRow[]>(
      `SELECT * FROM ${this.tables(manager).clocks} WHERE inquiry_id = ANY($1::uuid[])`,
      [rows.map((row) => row.inquiry_id)],
    );
    const byInquiry = new Map<string, Map<string, ClockRow>>();
    for (const clock of clockRows) {
      let kinds = byInquiry.get(clock.inquiry_id);
      if (!kinds) byInquiry.set(clock.inquiry_id, (kinds = new Map<string, ClockRow>()));
      kinds.set(clock.kind, clock);
    }
    for (const row of rows) {
      const kinds = byInquiry.get(row.inquiry_id);
      const clock = (kind: SlaClockKind): ClockRecord => {
        const stored = kinds?.get(kind);
        if (!stored) throw new Error(`inquiry ${row.inquiry_id} has no ${kind} clock`);
        return {
          kind,
          state: stored.state,
          dueAt: stored.due_at,
          warnAt: stored.warn_at,
          warnedAt: stored.warned_at,
          metAt: stored.met_at,
          breachedAt: stored.breached_at,
          version: stored.version,
        };
      };
      result.set(row.inquiry_id, {
        inquiryId: row.inquiry_id,
        priority: row.priority,
        tier: row.customer_tier,
        policyVersion: row.policy_version,
        policyKey: row.policy_key,
        startedAt: row.started_at,
        escalationLevel: row.escalation_level,
        waitingSince: row.waiting_since,
        pauses: row.pauses.map((pause) => ({ from: new Date(pause.from), to: new Date(pause.to) })),
        clocks: {
          [SlaClockKind.FirstResponse]: clock(SlaClockKind.FirstResponse),
          [SlaClockKind.Resolution]: clock(SlaClockKind.Resolution),
        },
      });
    }
    return result;
  }

  /** Schema-qualified table names (the schema is the service's, per environment and test run). */
  private tables(manager: EntityManager): { slas: string; clocks: string } {
    if (!this.tableNames) {
      const quote = (path: string) =>
        path
          .split('.')
          .map((part) => `"${part}"`)
          .join('.');
      this.tableNames = {
        slas: quote(manager.connection.getMetadata(InquirySlaEntity).tablePath),
        clocks: quote(manager.connection.getMetadata(SlaClockEntity).tablePath),
      };
    }
    return this.tableNames;
  }
}

/** Rows as `pg` returns them (raw SQL: the batch paths would spend more in TypeORM's mapping than in Postgres). */
interface InquiryRow {
  inquiry_id: string;
  priority: Priority;
  customer_tier: CustomerTier;
  policy_version: number;
  policy_key: string;
  started_at: Date;
  escalation_level: number;
  waiting_since: Date | null;
  pauses: StoredInterval[];
}

interface DueRow {
  inquiry_id: string;
  kind: SlaClockKind;
  version: number;
  action: TimerAction;
}

interface ClockRow {
  inquiry_id: string;
  kind: SlaClockKind;
  state: SlaClockState;
  due_at: Date;
  warn_at: Date;
  warned_at: Date | null;
  met_at: Date | null;
  breached_at: Date | null;
  version: number;
}

function toOpenClock(row: SlaClockEntity): OpenClock {
  return {
    inquiryId: row.inquiryId,
    kind: row.kind,
    dueAt: row.dueAt,
    warnAt: row.warnAt,
    warnedAt: row.warnedAt,
    version: row.version,
  };
}

import { Injectable } from '@nestjs/common';
import { SlaClockKind, SlaClockState } from '@relaydesk/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { InquirySlaEntity, SlaClockEntity } from './inquiry-sla.entity';
import type { ClockRecord, InquirySla } from './sla.model';

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
@Injectable()
export class SlaRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Loads an inquiry's SLA; with `lock`, holds its row until the transaction ends (one writer at a time). */
  async find(manager: EntityManager, inquiryId: string, lock = false): Promise<InquirySla | undefined> {
    const row = await manager.findOne(InquirySlaEntity, {
      where: { inquiryId },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!row) return undefined;
    const clocks = await manager.find(SlaClockEntity, { where: { inquiryId } });
    const byKind = new Map(clocks.map((clock) => [clock.kind, clock]));
    const clock = (kind: SlaClockKind): ClockRecord => {
      const stored = byKind.get(kind);
      if (!stored) throw new Error(`inquiry ${inquiryId} has no ${kind} clock`);
      return {
        kind,
        state: stored.state,
        dueAt: stored.dueAt,
        warnAt: stored.warnAt,
        warnedAt: stored.warnedAt,
        metAt: stored.metAt,
        breachedAt: stored.breachedAt,
        version: stored.version,
      };
    };
    return {
      inquiryId: row.inquiryId,
      priority: row.priority,
      tier: row.customerTier,
      policyVersion: row.policyVersion,
      policyKey: row.policyKey,
      startedAt: row.startedAt,
      escalationLevel: row.escalationLevel,
      waitingSince: row.waitingSince,
      pauses: row.pauses.map((pause) => ({ from: new Date(pause.from), to: new Date(pause.to) })),
      clocks: {
        [SlaClockKind.FirstResponse]: clock(SlaClockKind.FirstResponse),
        [SlaClockKind.Resolution]: clock(SlaClockKind.Resolution),
      },
    };
  }

  async save(manager: EntityManager, sla: InquirySla, now: Date): Promise<void> {
    await manager.upsert(
      InquirySlaEntity,
      {
        inquiryId: sla.inquiryId,
        priority: sla.priority,
        customerTier: sla.tier,
        policyVersion: sla.policyVersion,
        policyKey: sla.policyKey,
        startedAt: sla.startedAt,
        escalationLevel: sla.escalationLevel,
        waitingSince: sla.waitingSince,
        pauses: sla.pauses.map((pause) => ({ from: pause.from.toISOString(), to: pause.to.toISOString() })),
        updatedAt: now,
      },
      ['inquiryId'],
    );
    await manager.upsert(
      SlaClockEntity,
      Object.values(sla.clocks).map((clock) => ({ inquiryId: sla.inquiryId, ...clock })),
      ['inquiryId', 'kind'],
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

  /** Running clocks whose warning or breach should have fired by `cutoff` (a timer was lost). */
  async overdueClocks(cutoff: Date, limit: number): Promise<OpenClock[]> {
    const rows = await this.dataSource
      .getRepository(SlaClockEntity)
      .createQueryBuilder('c')
      .where('c.state = :state', { state: SlaClockState.Running })
      .andWhere('(c.due_at <= :cutoff OR (c.warned_at IS NULL AND c.warn_at <= :cutoff))', { cutoff })
      .limit(limit)
      .getMany();
    return rows.map(toOpenClock);
  }
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

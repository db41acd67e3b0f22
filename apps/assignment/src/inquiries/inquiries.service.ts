import { Inject, Injectable } from '@nestjs/common';
import { PRIORITY_ORDER, Topic } from '@relaydesk/contracts';
import { OutboxService } from '@relaydesk/messaging';
import type { AgentPrincipal } from '@relaydesk/runtime';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { CLOCK, type Clock } from '../common/clock';
import { DomainError, DomainErrorCode } from '../common/domain-error';
import { Tables } from '../common/tables';
import type { Effects } from '../routing/effects';
import type { AgentRow, InquiryRow } from '../routing/inquiry.row';
import { routableInquiry } from '../routing/inquiry.row';
import { poolOf } from '../routing/routing.rules';
import { RoutingService } from '../routing/routing.service';
import { waitingJobId, WaitingLine } from '../routing/waiting-line';
import type { InquiryView, QueuesView, ReassignView, ReplyView, ResolveView } from './inquiries.dto';

const HELD = new Set(['assigned', 'awaiting_customer']);

interface MessageRow {
  id: string;
  author: 'customer' | 'agent';
  agent_id: string | null;
  channel: string | null;
  subject: string | null;
  body: string;
  at: Date;
}

/** What agents and supervisors do with one inquiry: read, reply, resolve, reassign; and the queue overview. */
@Injectable()
export class InquiriesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tables: Tables,
    private readonly routing: RoutingService,
    private readonly outbox: OutboxService,
    private readonly waitingLine: WaitingLine,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private async locked(manager: EntityManager, inquiryId: string): Promise<InquiryRow> {
    const row = await this.routing.lockInquiry(manager, inquiryId);
    if (!row) throw new DomainError(DomainErrorCode.InquiryNotFound, `no inquiry ${inquiryId}`);
    return row;
  }

  /** An agent acts only on what they hold; supervisors (where allowed) on anything. */
  private assertHolder(row: InquiryRow, caller: AgentPrincipal): void {
    if (caller.role !== 'agent') return;
    if (row.agent_id !== caller.sub || !(HELD.has(row.status) || row.status === 'resolved'))
      throw new DomainError(DomainErrorCode.NotAssignedAgent, 'only the assigned agent may do this');
  }

  async get(inquiryId: string, caller: AgentPrincipal): Promise<InquiryView> {
    const [row] = await this.dataSource.query<InquiryRow[]>(
      `SELECT * FROM ${this.tables.inquiries} WHERE id = $1`,
      [inquiryId],
    );
    if (!row) throw new DomainError(DomainErrorCode.InquiryNotFound, `no inquiry ${inquiryId}`);
    if (caller.role === 'agent' && (row.agent_id !== caller.sub || !HELD.has(row.status)))
      throw new DomainError(
        DomainErrorCode.NotAssignedAgent,
        'only the assigned agent may read this inquiry',
      );
    const messages = await this.dataSource.query<MessageRow[]>(
      `SELECT * FROM ${this.tables.messages} WHERE inquiry_id = $1 ORDER BY at, id`,
      [inquiryId],
    );
    const classification = row.category
      ? {
          category: row.category,
          priority: row.priority,
          language: row.language,
          needsReview: row.needs_review,
          ...(row.classification ?? {}),
        }
      : undefined;
    return {
      inquiryId: row.id,
      status: row.status,
      ...(row.channel ? { channel: row.channel } : {}),
      customer: {
        tier: row.customer_tier,
        ...(row.customer_name ? { name: row.customer_name } : {}),
        ...(row.customer_locale ? { locale: row.customer_locale } : {}),
      },
      ...(row.subject ? { subject: row.subject } : {}),
      ...(row.accepted_at ? { acceptedAt: row.accepted_at.toISOString() } : {}),
      ...(classification ? { classification } : {}),
      escalationLevel: row.escalation_level,
      ...(row.agent_id && HELD.has(row.status)
        ? {
            assignment: {
              agentId: row.agent_id,
              pool: row.pool,
              translationNeeded: row.translation_needed,
              assignedAt: row.assigned_at?.toISOString(),
            },
          }
        : {}),
      ...(row.sla ? { sla: row.sla } : {}),
      ...(row.first_response_at ? { firstResponseAt: row.first_response_at.toISOString() } : {}),
      ...(row.resolved_at ? { resolvedAt: row.resolved_at.toISOString() } : {}),
      messages: messages.map((message) => ({
        id: message.id,
        author: message.author,
        ...(message.agent_id ? { agentId: message.agent_id } : {}),
        ...(message.channel ? { channel: message.channel } : {}),
        ...(message.subject ? { subject: message.subject } : {}),
        body: message.body,
        at: message.at.toISOString(),
      })),
    };
  }

  async reply(inquiryId: string, body: string, caller: AgentPrincipal): Promise<ReplyView> {
    return this.routing.transact(async (manager, effects) => {
      const row = await this.locked(manager, inquiryId);
      this.assertHolder(row, caller);
      if (row.status === 'resolved')
        throw new DomainError(DomainErrorCode.AlreadyResolved, 'the inquiry is resolved');
      const now = this.clock.now();
      const replyId = randomUUID();
      await manager.query(
        `INSERT INTO ${this.tables.messages} (id, inquiry_id, author, agent_id, channel, body, at)
         VALUES ($1, $2, 'agent', $3, $4, $5, $6)`,
        [replyId, row.id, caller.sub, row.channel, body, now],
      );
      await manager.query(
        `UPDATE ${this.tables.inquiries}
            SET status = 'awaiting_customer', first_response_at = COALESCE(first_response_at, $2), updated_at = now()
          WHERE id = $1`,
        [row.id, now],
      );
      await manager.query(
        `UPDATE ${this.tables.assignments} SET replied_at = COALESCE(replied_at, $2) WHERE id = $1`,
        [row.assignment_id, now],
      );
      const firstResponse = row.first_response_at === null;
      await this.outbox.enqueue(manager, Topic.InquiryResponded, {
        inquiryId: row.id,
        payload: {
          inquiryId: row.id,
          replyId,
          agentId: caller.sub,
          body,
          firstResponse,
          respondedAt: now.toISOString(),
        },
      });
      if (row.assignment_id) effects.disarmNoReply.push(row.assignment_id);
      return { replyId, inquiryId: row.id, firstResponse, respondedAt: now.toISOString() };
    });
  }

  async resolve(inquiryId: string, caller: AgentPrincipal): Promise<ResolveView> {
    return this.routing.transact(async (manager, effects) => {
      const row = await this.locked(manager, inquiryId);
      this.assertHolder(row, caller);
      if (row.status === 'resolved')
        throw new DomainError(DomainErrorCode.AlreadyResolved, 'the inquiry is resolved');
      const now = this.clock.now();
      if (HELD.has(row.status)) await this.routing.endAssignment(manager, row, 'resolved', effects);
      if (row.status === 'classified')
        effects.dequeue.push(waitingJobId({ inquiryId: row.id, seq: row.routing_seq }));
      await manager.query(
        `UPDATE ${this.tables.inquiries}
            SET status = 'resolved', resolved_at = $2, resolved_by = $3, routing_seq = routing_seq + 1,
                assignment_id = NULL, updated_at = now()
          WHERE id = $1`,
        [row.id, now, caller.sub],
      );
      await this.outbox.enqueue(manager, Topic.InquiryResolved, {
        inquiryId: row.id,
        payload: { inquiryId: row.id, resolvedBy: caller.sub, resolvedAt: now.toISOString() },
      });
      return { inquiryId: row.id, status: 'resolved', resolvedBy: caller.sub, resolvedAt: now.toISOString() };
    });
  }

  /** To a named agent (within that agent's capacity), or back to routing ahead of its priority. */
  async reassign(inquiryId: string, agentId: string | undefined): Promise<ReassignView> {
    return this.routing.transact(async (manager, effects) => {
      const row = await this.locked(manager, inquiryId);
      if (row.status === 'resolved')
        throw new DomainError(DomainErrorCode.AlreadyResolved, 'the inquiry is resolved');
      if (row.status === 'received')
        throw new DomainError(DomainErrorCode.NotRoutable, 'the inquiry is not classified yet');
      if (!agentId) {
        if (row.status === 'classified')
          throw new DomainError(DomainErrorCode.AlreadyWaiting, 'the inquiry is already waiting for routing');
        await this.routing.requeue(manager, row, 'reassigned', effects);
        return { inquiryId: row.id, status: 'classified' };
      }
      return this.assignTo(manager, row, agentId, effects);
    });
  }

  private async assignTo(
    manager: EntityManager,
    row: InquiryRow,
    agentId: string,
    effects: Effects,
  ): Promise<ReassignView> {
    if (row.agent_id === agentId && HELD.has(row.status))
      return { inquiryId: row.id, status: row.status, agentId };
    const [target] = await manager.query<AgentRow[]>(
      `SELECT * FROM ${this.tables.agents} WHERE id = $1 FOR UPDATE`,
      [agentId],
    );
    if (!target) throw new DomainError(DomainErrorCode.AgentNotFound, `no agent ${agentId}`);
    if (target.load >= target.capacity)
      throw new DomainError(DomainErrorCode.AgentAtCapacity, `agent ${agentId} is at capacity`);
    const now = this.clock.now();
    if (HELD.has(row.status)) await this.routing.endAssignment(manager, row, 'reassigned', effects);
    if (row.status === 'classified')
      effects.dequeue.push(waitingJobId({ inquiryId: row.id, seq: row.routing_seq }));
    const inquiry = routableInquiry(row);
    const pool = poolOf(inquiry);
    const translationNeeded = !target.languages.includes(inquiry.language);
    const [assignment] = await manager.query<{ id: string }[]>(
      `INSERT INTO ${this.tables.assignments} (inquiry_id, agent_id, pool, translation_needed, assigned_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [row.id, agentId, pool, translationNeeded, now],
    );
    const raised = await manager.query<[unknown[], number]>(
      `UPDATE ${this.tables.agents}
          SET load = load + 1, peak_load = GREATEST(peak_load, load + 1), last_assigned_at = $2
        WHERE id = $1 AND load < capacity`,
      [agentId, now],
    );
    if (raised[1] !== 1)
      throw new DomainError(DomainErrorCode.AgentAtCapacity, `agent ${agentId} is at capacity`);
    await manager.query(
      `UPDATE ${this.tables.inquiries}
          SET status = 'assigned', agent_id = $2, assignment_id = $3, pool = $4, translation_needed = $5,
              assigned_at = $6, ahead = false, routing_seq = routing_seq + 1, updated_at = now()
        WHERE id = $1`,
      [row.id, agentId, assignment.id, pool, translationNeeded, now],
    );
    await this.outbox.enqueue(manager, Topic.InquiryAssigned, {
      inquiryId: row.id,
      payload: {
        inquiryId: row.id,
        agentId,
        category: inquiry.category,
        priority: inquiry.priority,
        language: inquiry.language,
        pool,
        translationNeeded,
        assignedAt: now.toISOString(),
      },
    });
    effects.noReply.push({ inquiryId: row.id, assignmentId: assignment.id });
    effects.notify.push({
      agentId,
      event: {
        type: 'assigned',
        inquiryId: row.id,
        category: inquiry.category,
        priority: inquiry.priority,
        language: inquiry.language,
        pool,
        translationNeeded,
        escalationLevel: row.escalation_level,
        assignedAt: now.toISOString(),
      },
    });
    return { inquiryId: row.id, status: 'assigned', agentId };
  }

  async queues(): Promise<QueuesView> {
    const rows = await this.dataSource.query<InquiryRow[]>(
      `SELECT id, category, priority, language, needs_review, requires_senior, customer_tier, ahead, language_fallback,
              accepted_at, waiting_since
         FROM ${this.tables.inquiries} WHERE status = 'classified'`,
    );
    const now = this.clock.now().getTime();
    const pools = new Map<string, { pool: string; priority: string; waiting: number; oldest: Date }>();
    for (const row of rows) {
      const inquiry = routableInquiry(row);
      const pool = poolOf(inquiry);
      const key = `${pool}|${inquiry.priority}`;
      const since = row.accepted_at ?? row.waiting_since!;
      const entry = pools.get(key) ?? { pool, priority: inquiry.priority, waiting: 0, oldest: since };
      entry.waiting += 1;
      if (since < entry.oldest) entry.oldest = since;
      pools.set(key, entry);
    }
    return {
      totalWaiting: rows.length,
      pools: [...pools.values()]
        .sort(
          (a, b) =>
            PRIORITY_ORDER.indexOf(a.priority as never) - PRIORITY_ORDER.indexOf(b.priority as never) ||
            a.oldest.getTime() - b.oldest.getTime(),
        )
        .map((entry) => ({
          pool: entry.pool,
          priority: entry.priority,
          waiting: entry.waiting,
          oldestWaitSeconds: Math.max(0, Math.round((now - entry.oldest.getTime()) / 1000)),
          oldestAcceptedAt: entry.oldest.toISOString(),
        })),
      queues: await this.waitingLine.counts(),
    };
  }
}

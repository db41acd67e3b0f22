import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import {
  type PayloadOf,
  type Priority,
  PRIORITY_ORDER,
  type RequeueReason,
  Topic,
} from '@relaydesk/contracts';
import { HANDLED, type HandlerOutcome, OutboxService } from '@relaydesk/messaging';
import { DataSource, type EntityManager } from 'typeorm';
import { CLOCK, type Clock } from '../common/clock';
import { Tables } from '../common/tables';
import { inTransaction } from '../common/transactions';
import { DispatchService } from './dispatch.service';
import { Effects, EffectsRunner } from './effects';
import { type AgentRow, type InquiryRow, routableInquiry } from './inquiry.row';
import type { LanguageFallbackJob, NoReplyTimeoutJob } from './routing-timers';
import { matchSkills, rankWithinPriority, requiredSkill } from './routing.rules';
import { waitingJobId } from './waiting-line';

const skipped = (reason: string): HandlerOutcome => ({ outcome: 'skipped', reason });

function higher(a: Priority, b: Priority): Priority {
  return PRIORITY_ORDER.indexOf(a) <= PRIORITY_ORDER.indexOf(b) ? a : b;
}

/**
 * The routing state of inquiries: what the consumed events, the timers and the agent API change in it.
 * Every method runs inside the caller's transaction and writes what must happen after the commit into
 * `effects`.
 */
@Injectable()
export class RoutingService implements OnApplicationBootstrap {
  private readonly logger = new Logger(RoutingService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly tables: Tables,
    private readonly outbox: OutboxService,
    private readonly effectsRunner: EffectsRunner,
    private readonly dispatcher: DispatchService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async lockInquiry(manager: EntityManager, inquiryId: string): Promise<InquiryRow | undefined> {
    const rows = await manager.query<InquiryRow[]>(
      `SELECT * FROM ${this.tables.inquiries} WHERE id = $1 FOR UPDATE`,
      [inquiryId],
    );
    return rows[0];
  }

  /** The row of an inquiry, created (status received) if this is the first event about it. */
  private async lockOrCreate(
    manager: EntityManager,
    inquiryId: string,
    seed: { channel: string; acceptedAt: string; customerTier: string },
  ): Promise<InquiryRow> {
    // One round trip: the new row (ours until commit) or the existing one, locked.
    const [row] = await manager.query<InquiryRow[]>(
      `WITH created AS (
         INSERT INTO ${this.tables.inquiries} (id, status, channel, accepted_at, customer_tier)
         VALUES ($1, 'received', $2, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING *
       ), locked AS (SELECT * FROM ${this.tables.inquiries} WHERE id = $1 FOR UPDATE)
       SELECT * FROM created UNION ALL SELECT * FROM locked`,
      [inquiryId, seed.channel, seed.acceptedAt, seed.customerTier],
    );
    // Neither when another transaction inserted it after this statement's snapshot: it is committed now.
    return row ?? (await this.lockInquiry(manager, inquiryId))!;
  }

  private enqueue(effects: Effects, row: InquiryRow, previousSeq?: number): void {
    if (previousSeq !== undefined)
      effects.dequeue.push(waitingJobId({ inquiryId: row.id, seq: previousSeq }));
    const inquiry = routableInquiry(row);
    effects.enqueue.push({
      inquiryId: row.id,
      seq: row.routing_seq,
      priority: inquiry.priority,
      rank: rankWithinPriority(inquiry),
      language: inquiry.language,
      languageFallback: inquiry.languageFallback,
      waitingSince: row.waiting_since ?? this.clock.now(),
    });
  }

  async onReceived(
    manager: EntityManager,
    event: PayloadOf<typeof Topic.InquiryReceived>,
  ): Promise<HandlerOutcome> {
    await this.lockOrCreate(manager, event.inquiryId, {
      channel: event.channel,
      acceptedAt: event.acceptedAt,
      customerTier: event.customer.tier,
    });
    await manager.query(
      `UPDATE ${this.tables.inquiries}
          SET channel = $2, accepted_at = $3, customer_tier = $4, customer_name = $5, customer_locale = $6,
              subject = $7, updated_at = now()
        WHERE id = $1`,
      [
        event.inquiryId,
        event.channel,
        event.acceptedAt,
        event.customer.tier,
        event.customer.name ?? null,
        event.customer.locale ?? null,
        event.subject ?? null,
      ],
    );
    await this.insertCustomerMessage(manager, { ...event, at: event.receivedAt });
    return HANDLED;
  }

  private async insertCustomerMessage(
    manager: EntityManager,
    message: {
      messageId: string;
      inquiryId: string;
      channel: string;
      subject?: string;
      body: string;
      at: string;
    },
  ): Promise<boolean> {
    const inserted = await manager.query<unknown[]>(
      `INSERT INTO ${this.tables.messages} (id, inquiry_id, author, channel, subject, body, at)
       VALUES ($1, $2, 'customer', $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        message.messageId,
        message.inquiryId,
        message.channel,
        message.subject ?? null,
        message.body,
        message.at,
      ],
    );
    return inserted.length > 0;
  }

  async onMessageAdded(
    manager: EntityManager,
    event: PayloadOf<typeof Topic.InquiryMessageAdded>,
    effects: Effects,
  ): Promise<HandlerOutcome> {
    const row = await this.lockOrCreate(manager, event.inquiryId, {
      channel: event.channel,
      acceptedAt: event.acceptedAt,
      customerTier: 'standard',
    });
    const inserted = await this.insertCustomerMessage(manager, { ...event, at: event.receivedAt });
    if (!inserted) return skipped('message already stored');
    if (row.agent_id && (row.status === 'assigned' || row.status === 'awaiting_customer')) {
      // The customer answered: the ball is back in the agent's court.
      await manager.query(
        `UPDATE ${this.tables.inquiries} SET status = 'assigned', updated_at = now() WHERE id = $1`,
        [row.id],
      );
      effects.notify.push({
        agentId: row.agent_id,
        event: {
          type: 'follow_up',
          inquiryId: row.id,
          messageId: event.messageId,
          ...(event.subject ? { subject: event.subject } : {}),
          body: event.body,
          receivedAt: event.receivedAt,
        },
      });
    }
    return HANDLED;
  }

  async onClassified(
    manager: EntityManager,
    event: PayloadOf<typeof Topic.InquiryClassified>,
    effects: Effects,
  ): Promise<HandlerOutcome> {
    const row = await this.lockOrCreate(manager, event.inquiryId, {
      channel: event.channel,
      acceptedAt: event.acceptedAt,
      customerTier: event.customerTier,
    });
    if (row.status === 'resolved') return skipped('inquiry already resolved');
    const classification = {
      classifierVersion: event.classifierVersion,
      confidence: event.confidence,
      entities: event.entities,
      suggestedArticles: event.suggestedArticles,
      classifiedAt: event.classifiedAt,
    };
    // An escalation never gets undone by a later classification.
    const priority =
      row.escalation_level > 0 && row.priority ? higher(row.priority, event.priority) : event.priority;
    const startsWaiting = row.status === 'received';
    const moves = row.status === 'classified' && row.priority !== priority;
    const [updated] = await manager.query<[InquiryRow[], number]>(
      `UPDATE ${this.tables.inquiries}
          SET category = $2, priority = $3, language = $4, needs_review = $5, classification = $6,
              classified_at = $7, customer_tier = $8, channel = COALESCE(channel, $9),
              accepted_at = COALESCE(accepted_at, $10),
              status = CASE WHEN $11 THEN 'classified' ELSE status END,
              routing_seq = CASE WHEN $11 OR $12 THEN routing_seq + 1 ELSE routing_seq END,
              waiting_since = CASE WHEN $11 THEN $13 ELSE waiting_since END,
              updated_at = now()
        WHERE id = $1 RETURNING *`,
      [
        row.id,
        event.category,
        priority,
        event.language,
        event.needsReview,
        JSON.stringify(classification),
        event.classifiedAt,
        event.customerTier,
        event.channel,
        event.acceptedAt,
        startsWaiting,
        moves,
        this.clock.now(),
      ],
    );
    const fresh = updated[0];
    if (startsWaiting) this.enqueue(effects, fresh);
    else if (moves) this.enqueue(effects, fresh, row.routing_seq);
    else if (fresh.status === 'classified') effects.dispatch = true; // the new category or language may fit someone
    return HANDLED;
  }

  async onEscalated(
    manager: EntityManager,
    event: PayloadOf<typeof Topic.InquiryEscalated>,
    effects: Effects,
  ): Promise<HandlerOutcome> {
    const row = await this.lockInquiry(manager, event.inquiryId);
    if (!row) return skipped('inquiry unknown to routing');
    if (row.status === 'resolved') return skipped('inquiry already resolved');
    const priority = row.priority ? higher(row.priority, event.priority) : event.priority;
    const requiresSenior = row.requires_senior || event.requiresSenior;
    const level = Math.max(row.escalation_level, event.level);
    if (row.status === 'assigned' || row.status === 'awaiting_customer') {
      const [agent] = await manager.query<AgentRow[]>(`SELECT * FROM ${this.tables.agents} WHERE id = $1`, [
        row.agent_id,
      ]);
      if (requiresSenior && agent?.tier !== 'senior') {
        await this.requeue(manager, row, 'escalated', effects, { priority, requiresSenior, level });
        return HANDLED;
      }
      await manager.query(
        `UPDATE ${this.tables.inquiries}
            SET priority = $2, requires_senior = $3, escalation_level = $4, updated_at = now() WHERE id = $1`,
        [row.id, priority, requiresSenior, level],
      );
      effects.notify.push({
        agentId: row.agent_id!,
        event: {
          type: 'escalated',
          inquiryId: row.id,
          level,
          priority,
          reason: event.reason,
          escalatedAt: event.escalatedAt,
        },
      });
      return HANDLED;
    }
    const waiting = row.status === 'classified';
    const [updated] = await manager.query<[InquiryRow[], number]>(
      `UPDATE ${this.tables.inquiries}
          SET priority = $2, requires_senior = $3, escalation_level = $4,
              ahead = CASE WHEN $5 THEN true ELSE ahead END,
              routing_seq = CASE WHEN $5 THEN routing_seq + 1 ELSE routing_seq END, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [row.id, priority, requiresSenior, level, waiting],
    );
    // Still waiting: it moves to the front of its (raised) priority, now for a senior pool if needed.
    if (waiting) this.enqueue(effects, updated[0], row.routing_seq);
    return HANDLED;
  }

  async onDeadlinesSet(
    manager: EntityManager,
    event: PayloadOf<typeof Topic.SlaDeadlinesSet>,
  ): Promise<HandlerOutcome> {
    const sla = JSON.stringify({
      policy: event.policy,
      priority: event.priority,
      firstResponseDueAt: event.firstResponseDueAt,
      resolutionDueAt: event.resolutionDueAt,
      clocks: event.clocks,
      setAt: event.setAt,
    });
    // Deadlines may overtake the classification on another partition: the row is created if needed.
    await manager.query(
      `INSERT INTO ${this.tables.inquiries} (id, status, sla) VALUES ($1, 'received', $2)
       ON CONFLICT (id) DO UPDATE SET sla = EXCLUDED.sla, updated_at = now()`,
      [event.inquiryId, sla],
    );
    return HANDLED;
  }

  async onSlaWarning(
    manager: EntityManager,
    event: PayloadOf<typeof Topic.SlaWarning>,
    effects: Effects,
  ): Promise<HandlerOutcome> {
    const [row] = await manager.query<InquiryRow[]>(`SELECT * FROM ${this.tables.inquiries} WHERE id = $1`, [
      event.inquiryId,
    ]);
    if (!row?.agent_id || (row.status !== 'assigned' && row.status !== 'awaiting_customer'))
      return skipped('no agent holds the inquiry');
    effects.notify.push({
      agentId: row.agent_id,
      event: {
        type: 'sla_warning',
        inquiryId: row.id,
        clock: event.clock,
        priority: event.priority,
        dueAt: event.dueAt,
        warnAt: event.warnAt,
      },
    });
    return HANDLED;
  }

  /**
   * Takes an assigned inquiry (row locked by the caller) from its agent and puts it back in the line,
   * ahead of its priority.
   */
  async requeue(
    manager: EntityManager,
    row: InquiryRow,
    reason: RequeueReason,
    effects: Effects,
    changes: { priority?: Priority; requiresSenior?: boolean; level?: number } = {},
  ): Promise<InquiryRow> {
    const now = this.clock.now();
    await this.endAssignment(manager, row, reason, effects);
    const [updated] = await manager.query<[InquiryRow[], number]>(
      `UPDATE ${this.tables.inquiries}
          SET status = 'classified', agent_id = NULL, assignment_id = NULL, pool = NULL, translation_needed = false,
              assigned_at = NULL, routing_seq = routing_seq + 1, waiting_since = $2, ahead = true,
              priority = COALESCE($3, priority), requires_senior = COALESCE($4, requires_senior),
              escalation_level = COALESCE($5, escalation_level), updated_at = now()
        WHERE id = $1 RETURNING *`,
      [row.id, now, changes.priority ?? null, changes.requiresSenior ?? null, changes.level ?? null],
    );
    const fresh = updated[0];
    await this.outbox.enqueue(manager, Topic.InquiryRequeued, {
      inquiryId: row.id,
      payload: {
        inquiryId: row.id,
        ...(row.agent_id ? { fromAgentId: row.agent_id } : {}),
        reason,
        priority: fresh.priority!,
        requeuedAt: now.toISOString(),
      },
    });
    this.enqueue(effects, fresh);
    return fresh;
  }

  /** Ends the live assignment of a row (locked by the caller) and frees the agent's capacity. */
  async endAssignment(
    manager: EntityManager,
    row: InquiryRow,
    reason: string,
    effects: Effects,
  ): Promise<void> {
    if (!row.agent_id || !row.assignment_id) return;
    await manager.query(
      `UPDATE ${this.tables.assignments} SET ended_at = $2, end_reason = $3 WHERE id = $1 AND ended_at IS NULL`,
      [row.assignment_id, this.clock.now(), reason],
    );
    await manager.query(
      `UPDATE ${this.tables.agents} SET load = load - 1, updated_at = now() WHERE id = $1`,
      [row.agent_id],
    );
    effects.disarmNoReply.push(row.assignment_id);
    effects.dispatch = true;
    if (reason !== 'resolved')
      effects.notify.push({
        agentId: row.agent_id,
        event: {
          type: 'unassigned',
          inquiryId: row.id,
          reason: reason as RequeueReason,
          at: this.clock.now().toISOString(),
        },
      });
  }

  /** A language-fallback timer fired: if no online agent could ever serve the language, English may. */
  async onLanguageWaitOver(job: LanguageFallbackJob): Promise<string> {
    const effects = new Effects();
    const outcome = await inTransaction(this.dataSource, async (manager) => {
      const row = await this.lockInquiry(manager, job.inquiryId);
      if (!row || row.status !== 'classified' || row.routing_seq !== job.seq || row.language_fallback)
        return 'stale';
      const inquiry = routableInquiry(row);
      const online = await manager.query<AgentRow[]>(
        `SELECT * FROM ${this.tables.agents} WHERE presence = 'online' AND $1 = ANY(languages) AND $2 = ANY(skills)`,
        [inquiry.language, requiredSkill(inquiry)],
      );
      const native = online.some(
        (agent) => matchSkills(agent, { ...inquiry, languageFallback: false }, '').eligible,
      );
      if (native) return 'native speaker online';
      await manager.query(
        `UPDATE ${this.tables.inquiries} SET language_fallback = true, updated_at = now() WHERE id = $1`,
        [row.id],
      );
      effects.dispatch = true;
      return 'fallback';
    });
    await this.effectsRunner.apply(effects);
    if (outcome === 'native speaker online') {
      // Someone speaking it is online but busy: wait another period rather than hand it to a translator.
      await this.effectsRunner.armLanguageWait(job.inquiryId, job.seq);
    }
    return outcome;
  }

  /** A no-reply timer fired: an agent who has not replied since the assignment loses the inquiry. */
  async onNoReplyTimeout(job: NoReplyTimeoutJob): Promise<string> {
    const effects = new Effects();
    const outcome = await inTransaction(this.dataSource, async (manager) => {
      const row = await this.lockInquiry(manager, job.inquiryId);
      if (!row || row.assignment_id !== job.assignmentId || row.status !== 'assigned') return 'stale';
      const [assignment] = await manager.query<{ replied_at: Date | null }[]>(
        `SELECT replied_at FROM ${this.tables.assignments} WHERE id = $1`,
        [job.assignmentId],
      );
      if (assignment?.replied_at) return 'replied';
      await this.requeue(manager, row, 'no_reply_timeout', effects);
      return 'requeued';
    });
    await this.effectsRunner.apply(effects);
    if (outcome === 'requeued') this.logger.log({ inquiryId: job.inquiryId }, 'requeued after no reply');
    return outcome;
  }

  /**
   * Re-creates what Redis should hold from Postgres: a job for every waiting inquiry, its language timer,
   * the no-reply timers of unanswered assignments; then one dispatch. Runs at start (Redis may have lost
   * its data, or a process may have died between a commit and its effects) and after a consumer retry.
   */
  async reconcile(inquiryId?: string): Promise<void> {
    const effects = new Effects();
    const filter = inquiryId ? 'AND id = $1' : '';
    const params = inquiryId ? [inquiryId] : [];
    const waiting = await this.dataSource.query<InquiryRow[]>(
      `SELECT * FROM ${this.tables.inquiries} WHERE status = 'classified' ${filter} ORDER BY waiting_since`,
      params,
    );
    for (const row of waiting) this.enqueue(effects, row);
    const unanswered = await this.dataSource.query<{ inquiry_id: string; id: string; assigned_at: Date }[]>(
      `SELECT a.inquiry_id, a.id, a.assigned_at FROM ${this.tables.assignments} a
        WHERE a.ended_at IS NULL AND a.replied_at IS NULL ${inquiryId ? 'AND a.inquiry_id = $1' : ''}`,
      params,
    );
    effects.dispatch = true;
    await this.effectsRunner.apply(effects);
    await this.effectsRunner.armNoReplyAt(
      unanswered.map((row) => ({
        inquiryId: row.inquiry_id,
        assignmentId: row.id,
        assignedAt: row.assigned_at,
      })),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.reconcile();
    this.dispatcher.request();
  }

  /** Runs `work` in a transaction, then applies its effects. */
  async transact<T>(work: (manager: EntityManager, effects: Effects) => Promise<T>): Promise<T> {
    let effects = new Effects();
    const result = await inTransaction(this.dataSource, (manager) => {
      effects = new Effects();
      return work(manager, effects);
    });
    await this.effectsRunner.apply(effects);
    return result;
  }
}

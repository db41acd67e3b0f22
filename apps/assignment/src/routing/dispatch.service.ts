import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { type Priority, Topic } from '@relaydesk/contracts';
import { OutboxService } from '@relaydesk/messaging';
import { APP_CONFIG, counter, histogram } from '@relaydesk/runtime';
import { DataSource } from 'typeorm';
import type { AgentNotification } from '../agent-events/agent-event';
import { AgentEventsService } from '../agent-events/agent-events.service';
import { CLOCK, type Clock } from '../common/clock';
import { Tables } from '../common/tables';
import { inTransaction } from '../common/transactions';
import type { AssignmentConfig } from '../config';
import {
  ROUTABLE_AGENT_COLUMNS,
  ROUTABLE_INQUIRY_COLUMNS,
  type RoutableAgentRow,
  type RoutableInquiryRow,
  routableAgent,
  routableInquiry,
} from './inquiry.row';
import { RoutingTimers } from './routing-timers';
import {
  matchAgent,
  type PlannedAssignment,
  planAssignments,
  poolOf,
  rankWithinPriority,
  ROUTING_QUEUES,
  type RoutableAgent,
  type RoutableInquiry,
} from './routing.rules';
import { parseWaitingJobId, WaitingLine } from './waiting-line';

/** A waiting inquiry as a pass reads it: what routing needs, and when it was accepted (ms, for FIFO). */
type PageRow = RoutableInquiryRow & { accepted_ms: number | null };

/**
 * At most this many assignments are committed in one transaction: large enough that a chunk's round trips
 * are few per assignment, small enough that a racing replica's SKIP LOCKED loses little.
 */
const COMMIT_CHUNK = 500;

interface Candidate extends PlannedAssignment {
  seq: number;
  priority: Priority;
  jobId: string;
}

interface Committed {
  assignmentId: string;
  inquiryId: string;
  agentId: string;
  jobId: string;
  priority: Priority;
  pool: string;
  notification: AgentNotification;
}

/**
 * Matches waiting inquiries to agents. Triggered by events (an inquiry starts waiting, an agent comes
 * online, frees capacity or gains a skill, a timer fires), never by a polling loop. One pass:
 *
 * 1. reads the agents with free capacity (none: nothing to do, however long the line);
 * 2. reads the routing queues in serving order (urgent..low; requeued, VIP, standard; first come first
 *    served) and plans a greedy match in memory;
 * 3. commits the plan in ONE transaction per chunk: the inquiry rows `FOR UPDATE SKIP LOCKED` (another
 *    replica holding one simply gets it), the agent rows `FOR UPDATE` in id order, every match re-checked
 *    against the locked rows, and the load raised by a statement that refuses to pass the capacity. So two
 *    replicas racing on the same queues never assign an inquiry twice and never overfill an agent; the
 *    partial unique index on live assignments is the last line of defence.
 *
 * Passes are serialized per process and coalesced: requests during a pass cause exactly one more.
 */
@Injectable()
export class DispatchService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DispatchService.name);
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private readonly assignedTotal = counter('relaydesk_assignments_total', 'Inquiries assigned to agents', [
    'pool',
  ]);
  private readonly passDuration = histogram(
    'relaydesk_dispatch_pass_seconds',
    'Duration of a dispatch pass',
    [],
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly tables: Tables,
    private readonly outbox: OutboxService,
    private readonly waitingLine: WaitingLine,
    private readonly timers: RoutingTimers,
    private readonly events: AgentEventsService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AssignmentConfig,
  ) {}

  /** Asks for a dispatch soon; returns at once. */
  request(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (this.again) this.request();
    });
  }

  /** Resolves when no pass is running or requested (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.dispatchUntilIdle();
      } catch (error) {
        // A failed pass leaves every inquiry waiting; the next event triggers another pass.
        this.logger.error(`dispatch pass failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    } while (this.again && !this.stopped);
  }

  private async dispatchUntilIdle(): Promise<void> {
    let idleRounds = 0;
    while (!this.stopped) {
      const { assigned, contended } = await this.pass();
      if (assigned > 0) {
        idleRounds = 0;
        continue;
      }
      // Nothing assigned because another replica held the rows: it will loop itself; look again shortly.
      if (!contended || ++idleRounds > 3) return;
      await new Promise((resolve) => setTimeout(resolve, 10 * idleRounds));
    }
  }

  /** One pass; returns how many inquiries it assigned and whether planned ones were taken by others. */
  async pass(): Promise<{ assigned: number; contended: boolean }> {
    const stop = this.passDuration.startTimer();
    try {
      const agents = (
        await this.dataSource.query<RoutableAgentRow[]>(
          `SELECT ${ROUTABLE_AGENT_COLUMNS} FROM ${this.tables.agents} WHERE presence = 'online' AND load < capacity`,
        )
      ).map(routableAgent);
      if (agents.length === 0) return { assigned: 0, contended: false };
      const { candidates, stale } = await this.plan(agents);
      await Promise.all([...stale].map(([priority, jobIds]) => this.waitingLine.remove(priority, jobIds)));
      if (candidates.length === 0) return { assigned: 0, contended: false };
      let assigned = 0;
      // A chunk's Redis effects (job removal, timers, agent events) overlap the next chunk's transaction:
      // they concern other inquiries, and the pass waits for all of them before it ends.
      let effects: Promise<void> = Promise.resolve();
      try {
        for (let start = 0; start < candidates.length; start += COMMIT_CHUNK) {
          const committed = await this.commit(candidates.slice(start, start + COMMIT_CHUNK));
          assigned += committed.length;
          await effects;
          effects = this.afterCommit(committed);
          effects.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled
        }
      } finally {
        await effects;
      }
      return { assigned, contended: assigned < candidates.length };
    } finally {
      stop();
    }
  }

  private async plan(
    agents: RoutableAgent[],
  ): Promise<{ candidates: Candidate[]; stale: Map<Priority, string[]> }> {
    const snapshot = agents.map((agent) => ({ ...agent }));
    const byId = new Map(snapshot.map((agent) => [agent.id, agent]));
    const freeSlots = () =>
      snapshot.reduce((sum, agent) => sum + Math.max(0, agent.capacity - agent.load), 0);
    const candidates: Candidate[] = [];
    const stale = new Map<Priority, string[]>();
    const pageSize = this.config.DISPATCH_PAGE_SIZE;
    for (const { priority } of ROUTING_QUEUES) {
      for (let start = 0; freeSlots() > 0; start += pageSize) {
        const jobIds = await this.waitingLine.page(priority, start, start + pageSize - 1);
        if (jobIds.length === 0) break;
        const entries = jobIds.map((jobId) => ({ jobId, parsed: parseWaitingJobId(jobId) }));
        const rows = await this.dataSource.query<PageRow[]>(
          `SELECT ${ROUTABLE_INQUIRY_COLUMNS},
                  (extract(epoch FROM COALESCE(accepted_at, waiting_since)) * 1000)::float8 AS accepted_ms
             FROM ${this.tables.inquiries} WHERE id = ANY($1::uuid[]) AND status = 'classified'`,
          [entries.flatMap((entry) => (entry.parsed ? [entry.parsed.inquiryId] : []))],
        );
        const rowById = new Map(rows.map((row) => [row.id, row]));
        const live: { row: PageRow; jobId: string; inquiry: RoutableInquiry; rank: number }[] = [];
        for (const { jobId, parsed } of entries) {
          const row = parsed ? rowById.get(parsed.inquiryId) : undefined;
          if (!row || row.routing_seq !== parsed!.seq || row.priority !== priority) {
            if (!stale.has(priority)) stale.set(priority, []);
            stale.get(priority)!.push(jobId);
          } else {
            const inquiry = routableInquiry(row);
            live.push({ row, jobId, inquiry, rank: rankWithinPriority(inquiry) });
          }
        }
        // BullMQ keeps ranks and arrival order; events of one priority consumed from several partitions may
        // arrive slightly out of acceptance order, which sorting the page by acceptedAt repairs.
        live.sort(
          (a, b) =>
            a.rank - b.rank ||
            (a.row.accepted_ms ?? 0) - (b.row.accepted_ms ?? 0) ||
            (a.row.id < b.row.id ? -1 : 1),
        );
        const plan = planAssignments(
          live.map(({ inquiry }) => inquiry),
          snapshot,
          this.config.FALLBACK_LANGUAGE,
        );
        const liveById = new Map(live.map((entry) => [entry.row.id, entry]));
        for (const planned of plan) {
          const { row, jobId } = liveById.get(planned.inquiryId)!;
          byId.get(planned.agentId)!.load += 1;
          candidates.push({ ...planned, seq: row.routing_seq, priority, jobId });
        }
        if (jobIds.length < pageSize) break;
      }
    }
    // A job that vanished between reading and removing is no trouble; a stale one that stays is re-checked.
    return { candidates, stale };
  }

  private async commit(candidates: Candidate[]): Promise<Committed[]> {
    const now = this.clock.now();
    return inTransaction(this.dataSource, async (manager) => {
      const rows = await manager.query<RoutableInquiryRow[]>(
        `SELECT ${ROUTABLE_INQUIRY_COLUMNS} FROM ${this.tables.inquiries}
          WHERE id = ANY($1::uuid[]) AND status = 'classified' FOR UPDATE SKIP LOCKED`,
        [candidates.map((candidate) => candidate.inquiryId)],
      );
      const agentRows = await manager.query<RoutableAgentRow[]>(
        `SELECT ${ROUTABLE_AGENT_COLUMNS} FROM ${this.tables.agents} WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
        [[...new Set(candidates.map((candidate) => candidate.agentId))]],
      );
      const rowById = new Map(rows.map((row) => [row.id, row]));
      const agents = new Map(agentRows.map((row) => [row.id, routableAgent(row)]));
      const accepted: (Candidate & { row: RoutableInquiryRow })[] = [];
      for (const candidate of candidates) {
        const row = rowById.get(candidate.inquiryId);
        const agent = agents.get(candidate.agentId);
        if (!row || !agent || row.routing_seq !== candidate.seq) continue;
        const inquiry = routableInquiry(row);
        const match = matchAgent(agent, inquiry, this.config.FALLBACK_LANGUAGE);
        if (!match.eligible) continue;
        agent.load += 1;
        accepted.push({
          ...candidate,
          row,
          pool: poolOf(inquiry),
          translationNeeded: match.translationNeeded,
        });
      }
      if (accepted.length === 0) return [];
      const inserted = await manager.query<{ id: string; inquiry_id: string }[]>(
        `INSERT INTO ${this.tables.assignments} (inquiry_id, agent_id, pool, translation_needed, assigned_at)
         SELECT i, a, p, t, $5 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::boolean[]) AS v(i, a, p, t)
         RETURNING id, inquiry_id`,
        [
          accepted.map((item) => item.inquiryId),
          accepted.map((item) => item.agentId),
          accepted.map((item) => item.pool),
          accepted.map((item) => item.translationNeeded),
          now,
        ],
      );
      const assignmentOf = new Map(inserted.map((row) => [row.inquiry_id, row.id]));
      await manager.query(
        `UPDATE ${this.tables.inquiries} AS q
            SET status = 'assigned', agent_id = v.a, assignment_id = v.s, pool = v.p, translation_needed = v.t,
                assigned_at = $6, ahead = false, updated_at = now()
           FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::boolean[]) AS v(i, a, s, p, t)
          WHERE q.id = v.i`,
        [
          accepted.map((item) => item.inquiryId),
          accepted.map((item) => item.agentId),
          accepted.map((item) => assignmentOf.get(item.inquiryId)!),
          accepted.map((item) => item.pool),
          accepted.map((item) => item.translationNeeded),
          now,
        ],
      );
      const perAgent = new Map<string, number>();
      for (const item of accepted) perAgent.set(item.agentId, (perAgent.get(item.agentId) ?? 0) + 1);
      const [raised] = await manager.query<[{ id: string }[], number]>(
        `UPDATE ${this.tables.agents} AS a
            SET load = a.load + v.n, peak_load = GREATEST(a.peak_load, a.load + v.n), last_assigned_at = $3
           FROM unnest($1::text[], $2::int[]) AS v(id, n)
          WHERE a.id = v.id AND a.load + v.n <= a.capacity
          RETURNING a.id`,
        [[...perAgent.keys()], [...perAgent.values()], now],
      );
      if (raised.length !== perAgent.size)
        throw new Error('an agent would exceed its capacity; pass rolled back');
      await this.outbox.enqueueAll(
        manager,
        accepted.map((item) => ({
          topic: Topic.InquiryAssigned,
          event: {
            inquiryId: item.inquiryId,
            payload: {
              inquiryId: item.inquiryId,
              agentId: item.agentId,
              category: item.row.category!,
              priority: item.row.priority!,
              language: item.row.language!,
              pool: item.pool,
              translationNeeded: item.translationNeeded,
              assignedAt: now.toISOString(),
            },
          },
        })),
      );
      return accepted.map((item) => ({
        assignmentId: assignmentOf.get(item.inquiryId)!,
        inquiryId: item.inquiryId,
        agentId: item.agentId,
        jobId: item.jobId,
        priority: item.priority,
        pool: item.pool,
        notification: {
          agentId: item.agentId,
          event: {
            type: 'assigned',
            inquiryId: item.inquiryId,
            category: item.row.category!,
            priority: item.row.priority!,
            language: item.row.language!,
            pool: item.pool,
            translationNeeded: item.translationNeeded,
            escalationLevel: item.row.escalation_level,
            assignedAt: now.toISOString(),
          },
        } satisfies AgentNotification,
      }));
    });
  }

  private async afterCommit(committed: Committed[]): Promise<void> {
    if (committed.length === 0) return;
    const byPriority = new Map<Priority, string[]>();
    for (const item of committed) {
      const jobIds = byPriority.get(item.priority);
      if (jobIds) jobIds.push(item.jobId);
      else byPriority.set(item.priority, [item.jobId]);
    }
    for (const item of committed) this.assignedTotal.inc({ pool: item.pool });
    await Promise.all([
      ...[...byPriority].map(([priority, jobIds]) => this.waitingLine.remove(priority, jobIds)),
      this.timers.armNoReply(
        committed.map((item) => ({
          inquiryId: item.inquiryId,
          assignmentId: item.assignmentId,
          delayMs: this.config.NO_REPLY_TIMEOUT_SECONDS * 1000,
        })),
      ),
      this.events.publish(committed.map((item) => item.notification)),
    ]);
  }

  /** Before the connections close: finish the pass in hand, start no other. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }
}

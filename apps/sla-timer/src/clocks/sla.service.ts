import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PolicyDocument } from '@relaydesk/business-time';
import { type EventEnvelope, type Priority, SlaClockKind, type Topic } from '@relaydesk/contracts';
import { randomUUID } from 'node:crypto';
import {
  afterCommitTogether,
  type HandlerOutcome,
  InboxService,
  type NewEvent,
  OutboxService,
} from '@relaydesk/messaging';
import { APP_CONFIG, counter, histogram } from '@relaydesk/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import type { SlaTimerConfig } from '../config';
import { PolicyStore } from '../policies/policy.store';
import { DeadlineTimers, type DeadlineJob } from '../timers/deadline.timers';
import { type Clock, CLOCK } from '../time/clock';
import { policyLabel, SlaMachine } from './sla.machine';
import {
  type ClockRecord,
  type InquirySla,
  TimerAction,
  type TimerCommand,
  type Transition,
} from './sla.model';
import { SlaRepository } from './sla.repository';

/** A fired timer whose inquiry another transaction holds right now: to be tried again shortly. */
export const BUSY = 'busy' as const;
export type FireResult = Transition | typeof BUSY;
const BUSY_RETRY_MS = 10;

/** When a job is due (its clock's current instant; unknown inquiries first, they change nothing). */
function instantOf(job: DeadlineJob, found: ReadonlyMap<string, InquirySla>): number {
  const clock = found.get(job.inquiryId)?.clocks[job.kind];
  if (!clock) return 0;
  return (job.action === TimerAction.Warn ? clock.warnAt : clock.dueAt).getTime();
}

/** The consumer name of each handled topic in the inbox. */
const CONSUMER = 'sla-timer';

export interface SlaView {
  inquiryId: string;
  priority: Priority;
  policy: string;
  escalationLevel: number;
  clocks: {
    kind: SlaClockKind;
    dueAt: string;
    warnAt: string;
    state: ClockRecord['state'];
    metAt?: string;
    breachedAt?: string;
  }[];
}

/** Thrown when an event needs clocks that do not exist yet (its classification is still on the way): retried. */
export class ClocksNotStartedError extends Error {
  constructor(inquiryId: string) {
    super(`inquiry ${inquiryId} has no SLA clocks yet (not classified?)`);
    this.name = 'ClocksNotStartedError';
  }
}

/**
 * Applies events and fired timers to the clocks: one transaction per change holding the inquiry's row
 * lock, the new state and its events (outbox) committed together, then the timers changed in Redis.
 * A crash between the commit and the timer change is repaired by the re-arm (RearmService).
 */
@Injectable()
export class SlaService {
  private readonly logger = new Logger(SlaService.name);
  private readonly machine: SlaMachine;
  private readonly fired = counter(
    'relaydesk_sla_timers_fired_total',
    'SLA timers that fired, by action and outcome',
    ['action', 'outcome'],
  );
  private readonly lateness = histogram(
    'relaydesk_sla_fire_lateness_seconds',
    'How late a warning or breach fired after its instant',
    ['action'],
    [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60, 300],
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: SlaRepository,
    private readonly policies: PolicyStore,
    private readonly inbox: InboxService,
    private readonly outbox: OutboxService,
    private readonly timers: DeadlineTimers,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) config: SlaTimerConfig,
  ) {
    this.machine = new SlaMachine({
      raisePriorityUpToLevel: config.SLA_RAISE_PRIORITY_UP_TO_LEVEL,
      seniorFromLevel: config.SLA_SENIOR_FROM_LEVEL,
    });
  }

  /** Classification starts both clocks; a reclassification with another priority recomputes them. */
  onClassified(event: EventEnvelope<typeof Topic.InquiryClassified>): Promise<HandlerOutcome> {
    const { payload } = event;
    return this.handle(event, payload.inquiryId, async (sla, manager, now) => {
      if (!sla) {
        const policy = await this.policies.current(manager);
        return this.machine.start(
          {
            inquiryId: payload.inquiryId,
            priority: payload.priority,
            tier: payload.customerTier,
            startedAt: new Date(payload.classifiedAt),
            policyVersion: policy.version,
          },
          policy.document,
          now,
        );
      }
      return this.machine.reclassify(sla, payload.priority, await this.documentOf(sla, manager), now);
    });
  }

  onResponded(event: EventEnvelope<typeof Topic.InquiryResponded>): Promise<HandlerOutcome> {
    return this.handle(event, event.payload.inquiryId, async (sla, _manager, now) =>
      this.machine.respond(
        this.required(sla, event.payload.inquiryId),
        new Date(event.payload.respondedAt),
        now,
      ),
    );
  }

  onCustomerMessage(event: EventEnvelope<typeof Topic.InquiryMessageAdded>): Promise<HandlerOutcome> {
    return this.handle(event, event.payload.inquiryId, async (sla, manager, now) => {
      // A message before classification changes no clock: the clocks do not exist yet and start at classification.
      if (!sla) return { changed: false, reason: 'no clocks yet' };
      return this.machine.customerWrote(
        sla,
        new Date(event.payload.acceptedAt),
        await this.documentOf(sla, manager),
        now,
      );
    });
  }

  onResolved(event: EventEnvelope<typeof Topic.InquiryResolved>): Promise<HandlerOutcome> {
    return this.handle(event, event.payload.inquiryId, async (sla, _manager, now) =>
      this.machine.resolve(
        this.required(sla, event.payload.inquiryId),
        new Date(event.payload.resolvedAt),
        now,
      ),
    );
  }

  onEscalated(event: EventEnvelope<typeof Topic.InquiryEscalated>): Promise<HandlerOutcome> {
    const { payload } = event;
    return this.handle(event, payload.inquiryId, async (sla, manager, now) => {
      if (!sla) return { changed: false, reason: 'no clocks for this inquiry' };
      return this.machine.adoptEscalation(
        sla,
        payload.level,
        payload.priority,
        await this.documentOf(sla, manager),
        now,
      );
    });
  }

  /** A `sla-deadline` job fired: publishes the warning or breach once, whatever the number of firings. */
  async fire(job: DeadlineJob): Promise<Transition> {
    for (;;) {
      const [result] = await this.fireMany([job]);
      if (result !== BUSY) return result;
      await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
    }
  }

  /**
   * Fires a batch of due timers in ONE transaction: the inquiries are locked together (`SKIP LOCKED`:
   * one held by a consumer's transaction comes back `BUSY`, for the caller to retry), each job goes
   * through the state machine in the order of its instant (a warning before its breach), and all the
   * new states and events are written with one upsert per table and one outbox insert. A job whose
   * version is stale or whose clock already fired changes nothing, so a job fired twice publishes once.
   * Returns one result per job, in order.
   */
  async fireMany(jobs: readonly DeadlineJob[]): Promise<FireResult[]> {
    const results: FireResult[] = new Array<FireResult>(jobs.length);
    const fired: { job: DeadlineJob; late: number }[] = [];
    const timers: TimerCommand[] = [];
    await this.dataSource.transaction(async (manager) => {
      const now = this.clock.now();
      const ids = [...new Set(jobs.map((job) => job.inquiryId))];
      const { found, busy } = await this.repository.lockMany(manager, ids);
      const changed = new Map<string, InquirySla>();
      const events: { topic: Topic; event: NewEvent<Topic> }[] = [];
      const order = jobs
        .map((job, index) => ({ job, index }))
        .sort((a, b) => instantOf(a.job, found) - instantOf(b.job, found));
      for (const { job, index } of order) {
        if (busy.has(job.inquiryId)) {
          results[index] = BUSY;
          continue;
        }
        const sla = changed.get(job.inquiryId) ?? found.get(job.inquiryId);
        if (!sla) {
          results[index] = { changed: false, reason: 'unknown inquiry' };
          continue;
        }
        const clock = sla.clocks[job.kind];
        const instant = job.action === TimerAction.Warn ? clock.warnAt : clock.dueAt;
        const transition = this.machine.fire(
          sla,
          job.kind,
          job.action,
          job.version,
          await this.documentOf(sla, manager),
          now,
        );
        results[index] = transition;
        if (!transition.changed) continue;
        changed.set(job.inquiryId, transition.sla);
        // A timer is a root of work: its events get a correlation id of their own.
        const correlationId = randomUUID();
        for (const { topic, payload } of transition.events)
          events.push({
            topic,
            event: { inquiryId: job.inquiryId, payload, correlationId, causationId: null },
          });
        timers.push(...transition.timers);
        fired.push({ job, late: Math.max(0, now.getTime() - instant.getTime()) });
      }
      await this.repository.saveMany(manager, [...changed.values()], now);
      await this.outbox.enqueueAll(manager, events);
    });
    for (const result of results)
      if (result !== BUSY && !result.changed) this.fired.inc({ action: 'any', outcome: 'skipped' });
    for (const { job, late } of fired) {
      this.fired.inc({ action: job.action, outcome: 'fired' });
      this.lateness.observe({ action: job.action }, late / 1000);
      this.logger.log({ inquiryId: job.inquiryId, clock: job.kind, action: job.action }, 'SLA timer fired');
    }
    // After the commit; a crash before this line is repaired by the overdue sweep of RearmService.
    await this.timers.apply(timers);
    return results;
  }

  /** The clocks of an inquiry as the API shows them; undefined for an unknown inquiry. */
  async view(inquiryId: string): Promise<SlaView | undefined> {
    const sla = await this.repository.find(this.dataSource.manager, inquiryId);
    if (!sla) return undefined;
    const clocks = this.machine.view(
      sla,
      await this.documentOf(sla, this.dataSource.manager),
      this.clock.now(),
    );
    return {
      inquiryId: sla.inquiryId,
      priority: sla.priority,
      policy: policyLabel(sla),
      escalationLevel: sla.escalationLevel,
      clocks: [SlaClockKind.FirstResponse, SlaClockKind.Resolution].map((kind) => {
        const clock = clocks[kind];
        return {
          kind,
          dueAt: clock.dueAt.toISOString(),
          warnAt: clock.warnAt.toISOString(),
          state: clock.state,
          ...(clock.metAt ? { metAt: clock.metAt.toISOString() } : {}),
          ...(clock.breachedAt ? { breachedAt: clock.breachedAt.toISOString() } : {}),
        };
      }),
    };
  }

  private async handle(
    event: EventEnvelope,
    inquiryId: string,
    decide: (sla: InquirySla | undefined, manager: EntityManager, now: Date) => Promise<Transition>,
  ): Promise<HandlerOutcome> {
    let timers: readonly TimerCommand[] = [];
    const outcome = await this.inbox.handleOnce(`${CONSUMER}:${event.type}`, event, async (manager) => {
      const now = this.clock.now();
      const sla = await this.repository.find(manager, inquiryId, true);
      const transition = await decide(sla, manager, now);
      if (!transition.changed) return { outcome: 'skipped', reason: transition.reason };
      await this.commit(manager, transition, now);
      timers = transition.timers;
      return { outcome: 'handled' };
    });
    await afterCommitTogether(this.timers.together, timers);
    return outcome;
  }

  private async commit(
    manager: EntityManager,
    transition: Transition & { changed: true },
    now: Date,
  ): Promise<void> {
    await this.repository.save(manager, transition.sla, now);
    await this.outbox.enqueueAll(
      manager,
      transition.events.map(({ topic, payload }) => ({
        topic,
        event: { inquiryId: transition.sla.inquiryId, payload },
      })),
    );
  }

  private documentOf(sla: InquirySla, manager: EntityManager): Promise<PolicyDocument> {
    return this.policies.byVersion(sla.policyVersion, manager);
  }

  private required(sla: InquirySla | undefined, inquiryId: string): InquirySla {
    if (!sla) throw new ClocksNotStartedError(inquiryId);
    return sla;
  }
}

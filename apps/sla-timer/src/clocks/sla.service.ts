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
import { DeadlineTimers } from '../timers/deadline.timers';
import { type Clock, CLOCK } from '../time/clock';
import { policyLabel, SlaMachine } from './sla.machine';
import {
  type ClockRecord,
  type DueTimer,
  type InquirySla,
  TimerAction,
  type TimerCommand,
  type Transition,
} from './sla.model';
import { SlaRepository } from './sla.repository';

/** A due timer whose inquiry another transaction holds right now: to be tried again shortly. */
export const BUSY = 'busy' as const;
export type FireResult = Transition | typeof BUSY;

/** What one `fireDue` found and did. */
export interface FireRound {
  /** Timers found due (at most the limit asked for). */
  due: number;
  fired: number;
  /** Due timers whose inquiry another transaction held: still due, to be tried again shortly. */
  busy: number;
}

/** When a timer is due (its clock's current instant; unknown inquiries first, they change nothing). */
function instantOf(timer: DueTimer, found: ReadonlyMap<string, InquirySla>): number {
  const clock = found.get(timer.inquiryId)?.clocks[timer.kind];
  if (!clock) return 0;
  return (timer.action === TimerAction.Warn ? clock.warnAt : clock.dueAt).getTime();
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

  /**
   * Fires up to `limit` of the warnings and breaches due now, earliest first, in one transaction
   * (`fireMany`). The caller repeats while a round comes back full or with busy timers.
   */
  async fireDue(limit: number): Promise<FireRound> {
    const due = await this.repository.dueTimers(this.clock.now(), limit);
    if (due.length === 0) return { due: 0, fired: 0, busy: 0 };
    const results = await this.fireMany(due);
    return {
      due: due.length,
      fired: results.filter((result) => result !== BUSY && result.changed).length,
      busy: results.filter((result) => result === BUSY).length,
    };
  }

  /**
   * Fires a batch of due timers in ONE transaction: the inquiries are locked together (`SKIP LOCKED`:
   * one held by a consumer's transaction comes back `BUSY`, for the caller to retry), each timer goes
   * through the state machine in the order of its instant (a warning before its breach), and all the
   * new states and events are written with one upsert per table and one outbox insert. A timer whose
   * version is stale or whose clock already fired changes nothing, so a timer fired twice publishes once.
   * Returns one result per timer, in order.
   */
  async fireMany(due: readonly DueTimer[]): Promise<FireResult[]> {
    const results: FireResult[] = new Array<FireResult>(due.length);
    const fired: { timer: DueTimer; late: number }[] = [];
    const commands: TimerCommand[] = [];
    await this.dataSource.transaction(async (manager) => {
      const now = this.clock.now();
      const ids = [...new Set(due.map((timer) => timer.inquiryId))];
      const { found, busy } = await this.repository.lockMany(manager, ids);
      const changed = new Map<string, InquirySla>();
      const events: { topic: Topic; event: NewEvent<Topic> }[] = [];
      const order = due
        .map((timer, index) => ({ timer, index }))
        .sort((a, b) => instantOf(a.timer, found) - instantOf(b.timer, found));
      for (const { timer, index } of order) {
        if (busy.has(timer.inquiryId)) {
          results[index] = BUSY;
          continue;
        }
        const sla = changed.get(timer.inquiryId) ?? found.get(timer.inquiryId);
        if (!sla) {
          results[index] = { changed: false, reason: 'unknown inquiry' };
          continue;
        }
        const clock = sla.clocks[timer.kind];
        const instant = timer.action === TimerAction.Warn ? clock.warnAt : clock.dueAt;
        const transition = this.machine.fire(
          sla,
          timer.kind,
          timer.action,
          timer.version,
          await this.documentOf(sla, manager),
          now,
        );
        results[index] = transition;
        if (!transition.changed) continue;
        changed.set(timer.inquiryId, transition.sla);
        // A timer is a root of work: its events get a correlation id of their own.
        const correlationId = randomUUID();
        for (const { topic, payload } of transition.events)
          events.push({
            topic,
            event: { inquiryId: timer.inquiryId, payload, correlationId, causationId: null },
          });
        commands.push(...transition.timers);
        fired.push({ timer, late: Math.max(0, now.getTime() - instant.getTime()) });
      }
      await this.repository.saveMany(manager, [...changed.values()], now);
      await this.outbox.enqueueAll(manager, events);
    });
    for (const result of results)
      if (result !== BUSY && !result.changed) this.fired.inc({ action: 'any', outcome: 'skipped' });
    for (const { timer, late } of fired) {
      this.fired.inc({ action: timer.action, outcome: 'fired' });
      this.lateness.observe({ action: timer.action }, late / 1000);
      this.logger.log(
        { inquiryId: timer.inquiryId, clock: timer.kind, action: timer.action },
        'SLA timer fired',
      );
    }
    // After the commit; a crash before this line is repaired by the overdue sweep of RearmService.
    await this.timers.apply(commands);
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

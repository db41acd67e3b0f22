import {
  computeDeadlines,
  type Interval,
  type PolicyDocument,
  resolvePolicy,
  type SlaDeadlines,
} from '@relaydesk/business-time';
import {
  type CustomerTier,
  EscalationReason,
  type Priority,
  PRIORITY_ORDER,
  SlaClockKind,
  SlaClockState,
  Topic,
} from '@relaydesk/contracts';
import {
  type ClockRecord,
  type InquirySla,
  type OutgoingEvent,
  TimerAction,
  type TimerCommand,
  type Transition,
} from './sla.model';

/** How escalation levels act; `maxLevel` and `onWarning` come from the policy document. */
export interface EscalationRules {
  /** Levels up to this one raise the priority one step (level 1 by default). */
  raisePriorityUpToLevel: number;
  /** From this level on the inquiry must go to a senior agent (level 2 by default). */
  seniorFromLevel: number;
}

export const DEFAULT_ESCALATION_RULES: EscalationRules = { raisePriorityUpToLevel: 1, seniorFromLevel: 2 };

const KINDS = [SlaClockKind.FirstResponse, SlaClockKind.Resolution] as const;

export interface StartInput {
  inquiryId: string;
  priority: Priority;
  tier: CustomerTier;
  startedAt: Date;
  policyVersion: number;
}

/** One step more urgent (urgent stays urgent). */
export function raisePriority(priority: Priority): Priority {
  const index = PRIORITY_ORDER.indexOf(priority);
  return PRIORITY_ORDER[Math.max(0, index - 1)] ?? priority;
}

function isLessUrgent(a: Priority, b: Priority): boolean {
  return PRIORITY_ORDER.indexOf(a) > PRIORITY_ORDER.indexOf(b);
}

function cloneSla(sla: InquirySla): InquirySla {
  return {
    ...sla,
    pauses: [...sla.pauses],
    clocks: {
      [SlaClockKind.FirstResponse]: { ...sla.clocks[SlaClockKind.FirstResponse] },
      [SlaClockKind.Resolution]: { ...sla.clocks[SlaClockKind.Resolution] },
    },
  };
}

/**
 * The SLA clocks of an inquiry as a pure state machine: every method takes the stored state and
 * returns the new state, the events to write to the outbox in the same transaction, and the timers
 * to arm or cancel after the commit. No I/O and no clock of its own — `now` is passed in.
 *
 * - first response: running from classification until the first agent reply (met) or its due time
 *   (breached; a late reply is still recorded as `metAt`);
 * - resolution: running until resolution, paused while the inquiry waits on the customer (an agent
 *   replied; a customer message resumes it, and the waiting span no longer counts as business time);
 * - a priority change (reclassification, escalation) recomputes both running clocks from the original
 *   start with the new policy: it never buys time, and a clock that is already due fires at once.
 */
export class SlaMachine {
  constructor(private readonly rules: EscalationRules = DEFAULT_ESCALATION_RULES) {}

  start(input: StartInput, document: PolicyDocument, now: Date): Transition & { changed: true } {
    const resolved = resolvePolicy(document, input.priority, input.tier);
    const deadlines = computeDeadlines(resolved, input.startedAt);
    const clock = (kind: SlaClockKind): ClockRecord => ({
      kind,
      state: SlaClockState.Running,
      dueAt: deadlines.clocks[kind].dueAt,
      warnAt: deadlines.clocks[kind].warnAt,
      warnedAt: null,
      metAt: null,
      breachedAt: null,
      version: 1,
    });
    const sla: InquirySla = {
      inquiryId: input.inquiryId,
      priority: input.priority,
      tier: input.tier,
      policyVersion: input.policyVersion,
      policyKey: `${resolved.policy.priority}/${resolved.policy.tier}`,
      startedAt: input.startedAt,
      escalationLevel: 0,
      waitingSince: null,
      pauses: [],
      clocks: {
        [SlaClockKind.FirstResponse]: clock('first_response'),
        [SlaClockKind.Resolution]: clock('resolution'),
      },
    };
    const timers = KINDS.flatMap((kind) => armCommands(sla, sla.clocks[kind]));
    return { changed: true, sla, events: [deadlinesSet(sla, now)], timers };
  }

  /** A new classification of a known inquiry: only a changed priority changes the clocks. */
  reclassify(current: InquirySla, priority: Priority, document: PolicyDocument, now: Date): Transition {
    // An escalation raised the priority on purpose: a reclassification does not lower it again.
    const target =
      current.escalationLevel > 0 && isLessUrgent(priority, current.priority) ? current.priority : priority;
    if (target === current.priority) return { changed: false, reason: 'priority unchanged' };
    const sla = cloneSla(current);
    const timers = this.changePriority(sla, target, document, now);
    return { changed: true, sla, events: [deadlinesSet(sla, now)], timers };
  }

  /** An agent replied: the first response is met, and the inquiry now waits on the customer. */
  respond(current: InquirySla, at: Date, now: Date): Transition {
    const sla = cloneSla(current);
    const timers: TimerCommand[] = [];
    let changed = false;
    const first = sla.clocks[SlaClockKind.FirstResponse];
    if (first.state === SlaClockState.Running) {
      timers.push(cancelCommand(sla, first));
      first.state = SlaClockState.Met;
      first.metAt = at;
      first.version += 1;
      changed = true;
    } else if (first.state === SlaClockState.Breached && first.metAt === null) {
      first.metAt = at; // late, but the customer did get an answer
      changed = true;
    }
    const resolution = sla.clocks[SlaClockKind.Resolution];
    if (resolution.state === SlaClockState.Running) {
      timers.push(cancelCommand(sla, resolution));
      resolution.state = SlaClockState.Paused;
      resolution.version += 1;
      sla.waitingSince = latest(at, lastPauseEnd(sla));
      changed = true;
    }
    if (!changed) return { changed: false, reason: 'no running clock to stop or pause' };
    return { changed: true, sla, events: [deadlinesSet(sla, now)], timers };
  }

  /** The customer wrote back: the resolution clock runs again, its deadlines pushed by the wait. */
  customerWrote(current: InquirySla, at: Date, document: PolicyDocument, now: Date): Transition {
    const resolution = current.clocks[SlaClockKind.Resolution];
    if (resolution.state !== SlaClockState.Paused || current.waitingSince === null)
      return { changed: false, reason: 'not waiting on the customer' };
    const sla = cloneSla(current);
    const waitingSince = current.waitingSince;
    sla.pauses.push({ from: waitingSince, to: latest(at, waitingSince) });
    sla.waitingSince = null;
    const clock = sla.clocks[SlaClockKind.Resolution];
    const deadlines = deadlinesOf(sla, document, now);
    clock.state = SlaClockState.Running;
    clock.dueAt = deadlines.resolution.clocks.resolution.dueAt;
    clock.warnAt = deadlines.resolution.clocks.resolution.warnAt;
    clock.version += 1;
    return { changed: true, sla, events: [deadlinesSet(sla, now)], timers: armCommands(sla, clock) };
  }

  /** Resolved: every clock still open is met; nothing fires any more. */
  resolve(current: InquirySla, at: Date, now: Date): Transition {
    const sla = cloneSla(current);
    const timers: TimerCommand[] = [];
    let changed = false;
    for (const kind of KINDS) {
      const clock = sla.clocks[kind];
      if (clock.state === SlaClockState.Running || clock.state === SlaClockState.Paused) {
        if (clock.state === SlaClockState.Running) timers.push(cancelCommand(sla, clock));
        clock.state = SlaClockState.Met;
        clock.metAt = at;
        clock.version += 1;
        changed = true;
      } else if (clock.state === SlaClockState.Breached && clock.metAt === null) {
        clock.metAt = at;
        changed = true;
      }
    }
    if (sla.waitingSince !== null) {
      sla.pauses.push({ from: sla.waitingSince, to: latest(at, sla.waitingSince) });
      sla.waitingSince = null;
    }
    if (!changed) return { changed: false, reason: 'already resolved' };
    return { changed: true, sla, events: [deadlinesSet(sla, now)], timers };
  }

  /**
   * A timer fired. It counts only if it belongs to the clock's current version and the clock still
   * runs and has not done this yet — so a job fired twice, or one left over from before a recompute,
   * changes nothing.
   */
  fire(
    current: InquirySla,
    kind: SlaClockKind,
    action: TimerAction,
    version: number,
    document: PolicyDocument,
    now: Date,
  ): Transition {
    const stored = current.clocks[kind];
    if (stored.version !== version) return { changed: false, reason: 'stale timer version' };
    if (stored.state !== SlaClockState.Running) return { changed: false, reason: `clock is ${stored.state}` };
    const sla = cloneSla(current);
    const clock = sla.clocks[kind];
    const events: OutgoingEvent[] = [];
    const timers: TimerCommand[] = [];
    switch (action) {
      case TimerAction.Warn: {
        if (clock.warnedAt !== null) return { changed: false, reason: 'already warned' };
        clock.warnedAt = now;
        events.push({
          topic: Topic.SlaWarning,
          payload: {
            inquiryId: sla.inquiryId,
            clock: kind,
            priority: sla.priority,
            dueAt: clock.dueAt.toISOString(),
            warnAt: clock.warnAt.toISOString(),
            firedAt: now.toISOString(),
          },
        });
        if (document.escalation.onWarning.includes(sla.priority)) {
          this.escalate(sla, EscalationReason.SlaWarning, kind, document, now, events, timers);
        }
        break;
      }
      case TimerAction.Breach: {
        clock.state = SlaClockState.Breached;
        clock.breachedAt = now;
        if (clock.warnedAt === null) clock.warnedAt = now; // the warning is moot once breached
        const breached: OutgoingEvent = {
          topic: Topic.SlaBreached,
          payload: {
            inquiryId: sla.inquiryId,
            clock: kind,
            priority: sla.priority,
            dueAt: clock.dueAt.toISOString(),
            breachedAt: now.toISOString(),
            escalationLevel: sla.escalationLevel,
          },
        };
        events.push(breached);
        this.escalate(sla, EscalationReason.SlaBreach, kind, document, now, events, timers);
        breached.payload.escalationLevel = sla.escalationLevel;
        break;
      }
    }
    return { changed: true, sla, events, timers };
  }

  /**
   * An `inquiry.escalated.v1` seen on the topic. The ones this service published carry the level it
   * already stored, so they change nothing (no loop); a higher level from elsewhere (a manual
   * escalation) is adopted with its priority.
   */
  adoptEscalation(
    current: InquirySla,
    level: number,
    priority: Priority,
    document: PolicyDocument,
    now: Date,
  ): Transition {
    if (level <= current.escalationLevel)
      return { changed: false, reason: 'escalation level already applied' };
    const sla = cloneSla(current);
    sla.escalationLevel = level;
    const timers = priority === sla.priority ? [] : this.changePriority(sla, priority, document, now);
    return { changed: true, sla, events: [deadlinesSet(sla, now)], timers };
  }

  /** Deadlines as they stand at `now`: a paused clock shows when it would fall due if the customer answered now. */
  view(sla: InquirySla, document: PolicyDocument, now: Date): Record<SlaClockKind, ClockRecord> {
    const resolution = sla.clocks[SlaClockKind.Resolution];
    if (resolution.state !== SlaClockState.Paused) return sla.clocks;
    const projected = deadlinesOf(sla, document, now).resolution.clocks.resolution;
    return { ...sla.clocks, resolution: { ...resolution, dueAt: projected.dueAt, warnAt: projected.warnAt } };
  }

  private escalate(
    sla: InquirySla,
    reason: EscalationReason,
    kind: SlaClockKind,
    document: PolicyDocument,
    now: Date,
    events: OutgoingEvent[],
    timers: TimerCommand[],
  ): void {
    if (sla.escalationLevel >= document.escalation.maxLevel) return;
    const level = sla.escalationLevel + 1;
    const previousPriority = sla.priority;
    const priority =
      level <= this.rules.raisePriorityUpToLevel ? raisePriority(previousPriority) : previousPriority;
    sla.escalationLevel = level;
    events.push({
      topic: Topic.InquiryEscalated,
      payload: {
        inquiryId: sla.inquiryId,
        level,
        reason,
        clock: kind,
        priority,
        previousPriority,
        requiresSenior: level >= this.rules.seniorFromLevel,
        escalatedAt: now.toISOString(),
      },
    });
    if (priority !== previousPriority) {
      timers.push(...this.changePriority(sla, priority, document, now));
      events.push(deadlinesSet(sla, now));
    }
  }

  /** Recomputes the open clocks from the original start with the policy of `priority`. */
  private changePriority(
    sla: InquirySla,
    priority: Priority,
    document: PolicyDocument,
    now: Date,
  ): TimerCommand[] {
    sla.priority = priority;
    const resolved = resolvePolicy(document, priority, sla.tier);
    sla.policyKey = `${resolved.policy.priority}/${resolved.policy.tier}`;
    const deadlines = deadlinesOf(sla, document, now);
    const timers: TimerCommand[] = [];
    for (const kind of KINDS) {
      const clock = sla.clocks[kind];
      if (clock.state !== SlaClockState.Running && clock.state !== SlaClockState.Paused) continue;
      const next = (kind === SlaClockKind.FirstResponse ? deadlines.firstResponse : deadlines.resolution)
        .clocks[kind];
      if (clock.state === SlaClockState.Running) timers.push(cancelCommand(sla, clock));
      clock.dueAt = next.dueAt;
      clock.warnAt = next.warnAt;
      clock.version += 1;
      if (clock.state === SlaClockState.Running) timers.push(...armCommands(sla, clock));
    }
    return timers;
  }
}

/**
 * First response never pauses (the pause begins with the agent's reply, which stops it); resolution
 * skips every span the inquiry waited on the customer, the running one up to `now`.
 */
function deadlinesOf(
  sla: InquirySla,
  document: PolicyDocument,
  now: Date,
): { firstResponse: SlaDeadlines; resolution: SlaDeadlines } {
  const resolved = resolvePolicy(document, sla.priority, sla.tier);
  const pauses: Interval[] = [...sla.pauses];
  if (sla.waitingSince !== null) pauses.push({ from: sla.waitingSince, to: latest(now, sla.waitingSince) });
  const firstResponse = computeDeadlines(resolved, sla.startedAt);
  const resolution = pauses.length === 0 ? firstResponse : computeDeadlines(resolved, sla.startedAt, pauses);
  return { firstResponse, resolution };
}

function armCommands(sla: InquirySla, clock: ClockRecord): TimerCommand[] {
  const base = { type: 'arm' as const, inquiryId: sla.inquiryId, kind: clock.kind, version: clock.version };
  const commands: TimerCommand[] = [];
  if (clock.warnedAt === null) commands.push({ ...base, action: TimerAction.Warn, at: clock.warnAt });
  commands.push({ ...base, action: TimerAction.Breach, at: clock.dueAt });
  return commands;
}

function cancelCommand(sla: InquirySla, clock: ClockRecord): TimerCommand {
  return { type: 'cancel', inquiryId: sla.inquiryId, kind: clock.kind, version: clock.version };
}

function lastPauseEnd(sla: InquirySla): Date | null {
  return sla.pauses.length === 0 ? null : sla.pauses[sla.pauses.length - 1].to;
}

function latest(a: Date, b: Date | null): Date {
  return b !== null && b.getTime() > a.getTime() ? b : a;
}

/** The `sla.deadlines-set.v1` of the current state. A paused clock has no due time until the customer answers. */
export function deadlinesSet(sla: InquirySla, now: Date): OutgoingEvent {
  const dueWhileRunning = (kind: SlaClockKind) => {
    const clock = sla.clocks[kind];
    return clock.state === SlaClockState.Running ? clock.dueAt.toISOString() : undefined;
  };
  return {
    topic: Topic.SlaDeadlinesSet,
    payload: {
      inquiryId: sla.inquiryId,
      priority: sla.priority,
      policy: policyLabel(sla),
      firstResponseDueAt: dueWhileRunning(SlaClockKind.FirstResponse),
      resolutionDueAt: dueWhileRunning(SlaClockKind.Resolution),
      clocks: KINDS.map((kind) => {
        const clock = sla.clocks[kind];
        return clock.state === SlaClockState.Paused
          ? { kind, state: clock.state }
          : {
              kind,
              state: clock.state,
              dueAt: clock.dueAt.toISOString(),
              warnAt: clock.warnAt.toISOString(),
            };
      }),
      setAt: now.toISOString(),
    },
  };
}

/** `urgent/vip@v3`: the policy entry applied and the version of the document it came from. */
export function policyLabel(sla: InquirySla): string {
  return `${sla.policyKey}@v${sla.policyVersion}`;
}

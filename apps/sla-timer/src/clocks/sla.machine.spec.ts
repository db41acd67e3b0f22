import { parsePolicyDocument, type PolicyDocument } from '@relaydesk/business-time';
import { SlaClockKind, SlaClockState, Topic } from '@relaydesk/contracts';
import { ManualClock } from '../time/clock';
import { raisePriority, SlaMachine } from './sla.machine';
import type { InquirySla, OutgoingEvent, TimerCommand, Transition } from './sla.model';

function document(overrides: Partial<{ onWarning: string[]; maxLevel: number }> = {}): PolicyDocument {
  const result = parsePolicyDocument({
    calendars: [
      { id: '24x7', timezone: 'UTC', always: true },
      { id: 'office', timezone: 'UTC', weekly: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']] } },
    ],
    policies: [
      {
        priority: 'urgent',
        tier: 'standard',
        calendar: '24x7',
        firstResponseSeconds: 600,
        resolutionSeconds: 3600,
        warnAtPercent: 50,
      },
      {
        priority: 'high',
        tier: 'standard',
        calendar: '24x7',
        firstResponseSeconds: 1800,
        resolutionSeconds: 7200,
        warnAtPercent: 50,
      },
      {
        priority: 'normal',
        tier: 'standard',
        calendar: 'office',
        firstResponseSeconds: 3600,
        resolutionSeconds: 28800,
        warnAtPercent: 50,
      },
      {
        priority: 'normal',
        tier: 'vip',
        calendar: 'office',
        firstResponseSeconds: 1800,
        resolutionSeconds: 14400,
        warnAtPercent: 50,
      },
      {
        priority: 'low',
        tier: 'standard',
        calendar: 'office',
        firstResponseSeconds: 7200,
        resolutionSeconds: 57600,
        warnAtPercent: 50,
      },
    ],
    escalation: { onWarning: overrides.onWarning ?? ['urgent'], maxLevel: overrides.maxLevel ?? 2 },
  });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.document;
}

const MONDAY_9 = new Date('2026-12-07T09:00:00Z'); // a Monday
const inquiryId = '0b8f7c1e-5d2a-4f1e-9c3b-2a6d8e4f1a70';

function changed(transition: Transition): Extract<Transition, { changed: true }> {
  if (!transition.changed) throw new Error(`expected a change, got: ${transition.reason}`);
  return transition;
}

const topics = (events: OutgoingEvent[]) => events.map((event) => event.topic);
const arms = (timers: TimerCommand[]) =>
  timers.flatMap((t) =>
    t.type === 'arm' ? [`${t.kind}.${t.action}.v${t.version}@${t.at.toISOString()}`] : [],
  );
const cancels = (timers: TimerCommand[]) =>
  timers.flatMap((t) => (t.type === 'cancel' ? [`${t.kind}.v${t.version}`] : []));

describe('SlaMachine', () => {
  const machine = new SlaMachine();
  const clock = new ManualClock(MONDAY_9);
  const doc = document();

  function started(
    priority: 'urgent' | 'high' | 'normal' | 'low' = 'normal',
    tier: 'standard' | 'vip' = 'standard',
  ) {
    clock.set(MONDAY_9);
    return machine.start(
      { inquiryId, priority, tier, startedAt: MONDAY_9, policyVersion: 3 },
      doc,
      clock.now(),
    );
  }

  /** Fires every armed timer in order of its instant, moving the clock there, as BullMQ would. */
  function runTimers(sla: InquirySla, timers: TimerCommand[], until: Date, d = doc) {
    const fired: string[] = [];
    let current = sla;
    const pending = timers.filter((t): t is Extract<TimerCommand, { type: 'arm' }> => t.type === 'arm');
    for (;;) {
      pending.sort((a, b) => a.at.getTime() - b.at.getTime());
      const next = pending.shift();
      if (!next || next.at > until) break;
      clock.set(next.at > clock.now() ? next.at : clock.now());
      const t = machine.fire(current, next.kind, next.action, next.version, d, clock.now());
      if (!t.changed) continue;
      current = t.sla;
      fired.push(
        ...t.events.map((e) =>
          'clock' in e.payload && e.payload.clock ? `${e.topic}:${e.payload.clock}` : e.topic,
        ),
      );
      pending.push(...t.timers.filter((x): x is Extract<TimerCommand, { type: 'arm' }> => x.type === 'arm'));
    }
    return { sla: current, fired };
  }

  it('starts both clocks at classification on the business calendar and publishes the deadlines', () => {
    const t = started('normal');
    expect(t.sla.clocks.first_response).toMatchObject({
      state: 'running',
      warnAt: new Date('2026-12-07T09:30:00Z'),
      dueAt: new Date('2026-12-07T10:00:00Z'),
    });
    expect(t.sla.clocks.resolution.dueAt).toEqual(new Date('2026-12-07T17:00:00Z')); // 8 business hours
    expect(t.sla.policyKey).toBe('normal/standard');
    expect(topics(t.events)).toEqual([Topic.SlaDeadlinesSet]);
    expect(t.events[0].payload).toMatchObject({
      policy: 'normal/standard@v3',
      firstResponseDueAt: '2026-12-07T10:00:00.000Z',
      resolutionDueAt: '2026-12-07T17:00:00.000Z',
    });
    expect(arms(t.timers)).toEqual([
      'first_response.warn.v1@2026-12-07T09:30:00.000Z',
      'first_response.breach.v1@2026-12-07T10:00:00.000Z',
      'resolution.warn.v1@2026-12-07T13:00:00.000Z',
      'resolution.breach.v1@2026-12-07T17:00:00.000Z',
    ]);
  });

  it('a vip customer gets the tighter vip policy, and falls back to standard where none exists', () => {
    expect(started('normal', 'vip').sla.clocks.first_response.dueAt).toEqual(
      new Date('2026-12-07T09:30:00Z'),
    );
    expect(started('high', 'vip').sla.policyKey).toBe('high/standard');
  });

  it.each([
    [
      'urgent',
      [
        'sla.warning.v1:first_response',
        'inquiry.escalated.v1:first_response',
        'sla.breached.v1:first_response',
        'inquiry.escalated.v1:first_response',
        'sla.warning.v1:resolution',
        'sla.breached.v1:resolution',
      ],
    ],
    [
      // The level-1 escalation makes it urgent, whose warnings escalate too (onWarning).
      'high',
      [
        'sla.warning.v1:first_response',
        'sla.breached.v1:first_response',
        'inquiry.escalated.v1:first_response',
        'sla.deadlines-set.v1',
        'sla.warning.v1:resolution',
        'inquiry.escalated.v1:resolution',
        'sla.breached.v1:resolution',
      ],
    ],
  ] as const)(
    'fires warnings, breaches and escalations of an unanswered %s inquiry in order',
    (priority, expected) => {
      const t = started(priority);
      const { fired, sla } = runTimers(t.sla, t.timers, new Date('2026-12-08T00:00:00Z'));
      expect(fired).toEqual(expected);
      expect(sla.escalationLevel).toBe(2);
      expect(sla.clocks.first_response.state).toBe(SlaClockState.Breached);
      expect(sla.clocks.resolution.state).toBe(SlaClockState.Breached);
    },
  );

  it('escalation level 1 raises the priority one step and recomputes from the original start; level 2 asks for a senior', () => {
    const t = started('normal');
    clock.set(new Date('2026-12-07T10:00:00Z'));
    const breach = changed(machine.fire(t.sla, 'first_response', 'breach', 1, doc, clock.now()));
    expect(topics(breach.events)).toEqual([Topic.SlaBreached, Topic.InquiryEscalated, Topic.SlaDeadlinesSet]);
    expect(breach.events[0].payload).toMatchObject({
      clock: 'first_response',
      escalationLevel: 1,
      priority: 'normal',
    });
    expect(breach.events[1].payload).toMatchObject({
      level: 1,
      reason: 'sla_breach',
      priority: 'high',
      previousPriority: 'normal',
      requiresSenior: false,
    });
    // high is 24x7 with 2 h resolution from 09:00: due 11:00 (it was 17:00 as normal)
    expect(breach.sla.clocks.resolution).toMatchObject({
      dueAt: new Date('2026-12-07T11:00:00Z'),
      version: 2,
    });
    expect(cancels(breach.timers)).toEqual(['resolution.v1']);
    expect(arms(breach.timers)).toEqual([
      'resolution.warn.v2@2026-12-07T10:00:00.000Z',
      'resolution.breach.v2@2026-12-07T11:00:00.000Z',
    ]);
    clock.set(new Date('2026-12-07T11:00:00Z'));
    const second = changed(machine.fire(breach.sla, 'resolution', 'breach', 2, doc, clock.now()));
    expect(second.events[1].payload).toMatchObject({
      level: 2,
      priority: 'high',
      previousPriority: 'high',
      requiresSenior: true,
    });
    expect(second.sla.escalationLevel).toBe(2);
  });

  it('stops escalating at maxLevel, and maxLevel 0 disables escalation', () => {
    const none = document({ maxLevel: 0 });
    const t = started('normal');
    const breach = changed(
      machine.fire(t.sla, 'first_response', 'breach', 1, none, new Date('2026-12-07T10:00:00Z')),
    );
    expect(topics(breach.events)).toEqual([Topic.SlaBreached]);
    expect(breach.events[0].payload).toMatchObject({ escalationLevel: 0 });
  });

  it('a timer fired twice, or for an old version, publishes nothing the second time', () => {
    const t = started('normal');
    const now = new Date('2026-12-07T09:30:00Z');
    const warned = changed(machine.fire(t.sla, 'first_response', 'warn', 1, doc, now));
    expect(machine.fire(warned.sla, 'first_response', 'warn', 1, doc, now)).toEqual({
      changed: false,
      reason: 'already warned',
    });
    expect(machine.fire(warned.sla, 'first_response', 'breach', 0, doc, now)).toEqual({
      changed: false,
      reason: 'stale timer version',
    });
  });

  it('the first reply meets the first response and pauses resolution; the customer answer resumes it later', () => {
    const t = started('normal');
    const reply = changed(
      machine.respond(t.sla, new Date('2026-12-07T09:20:00Z'), new Date('2026-12-07T09:20:01Z')),
    );
    expect(reply.sla.clocks.first_response).toMatchObject({
      state: 'met',
      metAt: new Date('2026-12-07T09:20:00Z'),
    });
    expect(reply.sla.clocks.resolution.state).toBe('paused');
    expect(cancels(reply.timers)).toEqual(['first_response.v1', 'resolution.v1']);
    expect(arms(reply.timers)).toEqual([]);
    expect(reply.events[0].payload).toMatchObject({
      firstResponseDueAt: undefined,
      resolutionDueAt: undefined,
    });
    // Stale jobs of the paused clock do nothing.
    expect(
      machine.fire(reply.sla, 'resolution', 'breach', 1, doc, new Date('2026-12-07T17:00:00Z')).changed,
    ).toBe(false);
    // A second reply while waiting changes nothing.
    expect(machine.respond(reply.sla, new Date('2026-12-07T09:40:00Z'), new Date()).changed).toBe(false);
    // Waiting shows a projection that moves with time.
    const view = machine.view(reply.sla, doc, new Date('2026-12-07T11:20:00Z'));
    expect(view.resolution.dueAt).toEqual(new Date('2026-12-08T11:00:00Z'));
    // The customer answers at 11:20: 2 h of waiting do not count; 7 h 40 min left → Mon 17:00 cut, Tue 09:00 + 2 h.
    const resumed = changed(
      machine.customerWrote(
        reply.sla,
        new Date('2026-12-07T11:20:00Z'),
        doc,
        new Date('2026-12-07T11:20:01Z'),
      ),
    );
    expect(resumed.sla.clocks.resolution).toMatchObject({
      state: 'running',
      dueAt: new Date('2026-12-08T11:00:00Z'),
      version: 3,
    });
    expect(resumed.sla.pauses).toEqual([
      { from: new Date('2026-12-07T09:20:00Z'), to: new Date('2026-12-07T11:20:00Z') },
    ]);
    expect(arms(resumed.timers)).toEqual([
      'resolution.warn.v3@2026-12-07T15:00:00.000Z',
      'resolution.breach.v3@2026-12-08T11:00:00.000Z',
    ]);
    expect(machine.customerWrote(resumed.sla, new Date(), doc, new Date()).changed).toBe(false);
  });

  it('resolution meets every open clock and cancels its timers; a breached clock stays breached', () => {
    const t = started('normal');
    const breach = changed(
      machine.fire(
        t.sla,
        'first_response',
        'breach',
        1,
        document({ maxLevel: 0 }),
        new Date('2026-12-07T10:00:00Z'),
      ),
    );
    const resolved = changed(
      machine.resolve(breach.sla, new Date('2026-12-07T12:00:00Z'), new Date('2026-12-07T12:00:00Z')),
    );
    expect(resolved.sla.clocks.first_response).toMatchObject({
      state: 'breached',
      metAt: new Date('2026-12-07T12:00:00Z'),
    });
    expect(resolved.sla.clocks.resolution).toMatchObject({
      state: 'met',
      metAt: new Date('2026-12-07T12:00:00Z'),
    });
    expect(cancels(resolved.timers)).toEqual(['resolution.v1']);
    expect(machine.resolve(resolved.sla, new Date(), new Date()).changed).toBe(false);
  });

  it('a reclassification with another priority recomputes the running clocks from the original start', () => {
    const t = started('low');
    const now = new Date('2026-12-07T09:45:00Z');
    expect(machine.reclassify(t.sla, 'low', doc, now)).toEqual({
      changed: false,
      reason: 'priority unchanged',
    });
    const up = changed(machine.reclassify(t.sla, 'urgent', doc, now));
    expect(up.sla.clocks.first_response).toMatchObject({
      dueAt: new Date('2026-12-07T09:10:00Z'),
      version: 2,
    });
    expect(up.sla.policyKey).toBe('urgent/standard');
    // Already overdue: armed in the past, so BullMQ fires it at once.
    expect(arms(up.timers)).toContain('first_response.breach.v2@2026-12-07T09:10:00.000Z');
    expect(cancels(up.timers)).toEqual(['first_response.v1', 'resolution.v1']);
  });

  it('a reclassification does not lower a priority an escalation raised', () => {
    const t = started('normal');
    const breach = changed(
      machine.fire(t.sla, 'first_response', 'breach', 1, doc, new Date('2026-12-07T10:00:00Z')),
    );
    expect(breach.sla.priority).toBe('high');
    expect(machine.reclassify(breach.sla, 'low', doc, new Date()).changed).toBe(false);
  });

  it('adopts an escalation published elsewhere, and ignores its own (no loop)', () => {
    const t = started('normal');
    const breach = changed(
      machine.fire(t.sla, 'first_response', 'breach', 1, doc, new Date('2026-12-07T10:00:00Z')),
    );
    expect(machine.adoptEscalation(breach.sla, 1, 'high', doc, new Date()).changed).toBe(false);
    const manual = changed(
      machine.adoptEscalation(t.sla, 1, 'urgent', doc, new Date('2026-12-07T09:05:00Z')),
    );
    expect(manual.sla).toMatchObject({ escalationLevel: 1, priority: 'urgent' });
    expect(manual.sla.clocks.first_response.dueAt).toEqual(new Date('2026-12-07T09:10:00Z'));
  });

  it('raises priorities one step, urgent staying urgent', () => {
    expect(['low', 'normal', 'high', 'urgent'].map((p) => raisePriority(p as 'low'))).toEqual([
      'normal',
      'high',
      'urgent',
      'urgent',
    ]);
  });

  it('uses only the kinds of the contract', () => {
    expect(Object.keys(started().sla.clocks).sort()).toEqual([
      SlaClockKind.FirstResponse,
      SlaClockKind.Resolution,
    ]);
  });
});

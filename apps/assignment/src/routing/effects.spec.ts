import type { AgentEventsService } from '../agent-events/agent-events.service';
import type { Clock } from '../common/clock';
import type { AssignmentConfig } from '../config';
import type { DispatchService } from './dispatch.service';
import { Effects, type EnqueuedInquiry, EffectsRunner } from './effects';
import type { RoutingTimers } from './routing-timers';
import { waitingJobId, type WaitingEntry, type WaitingLine } from './waiting-line';

const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function waiting(n: number, seq = 1): EnqueuedInquiry {
  return {
    inquiryId: ID(n),
    seq,
    priority: 'normal',
    rank: 3,
    language: 'ja',
    languageFallback: false,
    waitingSince: new Date(0),
  };
}

function effects(change: (effects: Effects) => void): Effects {
  const result = new Effects();
  change(result);
  return result;
}

describe('Effects.merge', () => {
  it('keeps the order of events: a job added then dropped is neither, one dropped then added is added', () => {
    const merged = Effects.merge([
      effects((e) => e.enqueue.push(waiting(1, 1))),
      effects((e) => {
        e.dequeue.push(
          waitingJobId({ inquiryId: ID(1), seq: 1 }),
          waitingJobId({ inquiryId: ID(2), seq: 4 }),
        );
        e.enqueue.push(waiting(1, 2));
      }),
      effects((e) => {
        e.dequeue.push(waitingJobId({ inquiryId: ID(3), seq: 1 }));
        e.dispatch = true;
      }),
      effects((e) => e.enqueue.push(waiting(3, 1))),
    ]);
    expect(merged.enqueue.map(waitingJobId)).toEqual([`${ID(1)}_2`, `${ID(3)}_1`]);
    expect(merged.dequeue).toEqual([`${ID(2)}_4`]);
    expect(merged.dispatch).toBe(true);
  });

  it('drops a no-reply timer armed and then disarmed, keeps a disarm of an earlier assignment', () => {
    const merged = Effects.merge([
      effects((e) => e.noReply.push({ inquiryId: ID(1), assignmentId: '7' })),
      effects((e) => e.disarmNoReply.push('7', '5')),
      effects((e) => e.noReply.push({ inquiryId: ID(1), assignmentId: '8' })),
    ]);
    expect(merged.noReply).toEqual([{ inquiryId: ID(1), assignmentId: '8' }]);
    expect(merged.disarmNoReply).toEqual(['5']);
  });

  it('keeps every notification, in order', () => {
    const note = (inquiryId: string) => ({
      agentId: 'a',
      event: { type: 'unassigned' as const, inquiryId, reason: 'escalated' as const, at: 'now' },
    });
    const merged = Effects.merge([
      effects((e) => e.notify.push(note(ID(1)))),
      effects((e) => e.notify.push(note(ID(2)))),
    ]);
    expect(merged.notify.map((n) => n.event.inquiryId)).toEqual([ID(1), ID(2)]);
  });
});

/** A waiting line in memory that can be told to fail; the runner under test is the real one. */
function runner() {
  const jobs = new Set<string>();
  const calls = { add: 0, dispatch: 0 };
  const waitingLine = {
    add: (entries: readonly WaitingEntry[]) => {
      calls.add++;
      for (const entry of entries) jobs.add(waitingJobId(entry));
      return Promise.resolve();
    },
    removeEverywhere: (jobIds: readonly string[]) => {
      for (const jobId of jobIds) jobs.delete(jobId);
      return Promise.resolve();
    },
  } as unknown as WaitingLine;
  const timers = {
    armLanguageFallback: () => Promise.resolve(),
    armNoReply: () => Promise.resolve(),
    disarmNoReply: () => Promise.resolve(),
  } as unknown as RoutingTimers;
  const events = { publish: () => Promise.resolve() } as unknown as AgentEventsService;
  const dispatcher = { request: () => void calls.dispatch++ } as unknown as DispatchService;
  const clock: Clock = { now: () => new Date(0) };
  const config = { FALLBACK_LANGUAGE: 'en', LANGUAGE_FALLBACK_SECONDS: 120 } as AssignmentConfig;
  return {
    jobs,
    calls,
    runner: new EffectsRunner(waitingLine, timers, events, dispatcher, clock, config),
  };
}

describe('EffectsRunner.together', () => {
  it('applies the merged effects of the events of one transaction in one go', async () => {
    const { runner: effectsRunner, jobs, calls } = runner();
    await effectsRunner.together.applyAll([1, 2, 3].map((n) => effects((e) => e.enqueue.push(waiting(n)))));
    expect([...jobs].sort()).toEqual([`${ID(1)}_1`, `${ID(2)}_1`, `${ID(3)}_1`]);
    expect(calls).toEqual({ add: 1, dispatch: 1 });
  });
});

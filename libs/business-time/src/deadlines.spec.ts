import { computeDeadlines, computeDeadlinesFor, recomputeOnPriorityChange } from './deadlines';
import { DEFAULT_POLICY_DOCUMENT } from './default-policy';
import { resolvePolicy } from './policy';

const at = (iso: string): Date => new Date(iso);
const iso = (d: Date): string => d.toISOString();
// Fri 2026-12-04 17:00 JST: one business hour left in the week.
const FRIDAY_EVENING = at('2026-12-04T08:00:00Z');

describe('computeDeadlines', () => {
  it('urgent runs 24/7: plain offsets from the start', () => {
    const start = at('2026-12-05T23:30:00Z'); // a Sunday in Tokyo
    const { clocks } = computeDeadlinesFor(DEFAULT_POLICY_DOCUMENT, {
      priority: 'urgent',
      tier: 'standard',
      startedAt: start,
    });
    expect(clocks.first_response).toMatchObject({ targetSeconds: 900, warnAfterSeconds: 675 });
    expect(iso(clocks.first_response.warnAt)).toBe('2026-12-05T23:41:15.000Z');
    expect(iso(clocks.first_response.dueAt)).toBe('2026-12-05T23:45:00.000Z');
    expect(iso(clocks.resolution.warnAt)).toBe('2026-12-06T02:30:00.000Z');
    expect(iso(clocks.resolution.dueAt)).toBe('2026-12-06T03:30:00.000Z');
  });

  it('normal follows Tokyo office hours over the weekend', () => {
    const { clocks } = computeDeadlines(
      resolvePolicy(DEFAULT_POLICY_DOCUMENT, 'normal', 'standard'),
      FRIDAY_EVENING,
    );
    // 4 h: 1 h on Friday, 3 h on Monday → Mon 12:00 JST; warning at 80 % = 3 h 12 min → Mon 11:12 JST.
    expect(iso(clocks.first_response.dueAt)).toBe('2026-12-07T03:00:00.000Z');
    expect(iso(clocks.first_response.warnAt)).toBe('2026-12-07T02:12:00.000Z');
    // 24 h: Fri 1 + Mon 9 + Tue 9 + Wed 5 → Wed 14:00 JST.
    expect(iso(clocks.resolution.dueAt)).toBe('2026-12-09T05:00:00.000Z');
  });

  it('time waiting on the customer pushes the deadlines back', () => {
    const pauses = [{ from: at('2026-12-07T00:00:00Z'), to: at('2026-12-07T01:00:00Z') }]; // Mon 09:00–10:00 JST
    const { clocks } = computeDeadlinesFor(DEFAULT_POLICY_DOCUMENT, {
      priority: 'normal',
      tier: 'standard',
      startedAt: FRIDAY_EVENING,
      pauses,
    });
    expect(iso(clocks.first_response.dueAt)).toBe('2026-12-07T04:00:00.000Z');
  });

  it('vip gets the tighter targets', () => {
    const { clocks } = computeDeadlinesFor(DEFAULT_POLICY_DOCUMENT, {
      priority: 'normal',
      tier: 'vip',
      startedAt: FRIDAY_EVENING,
    });
    // 2 h: 1 h Friday, 1 h Monday.
    expect(iso(clocks.first_response.dueAt)).toBe('2026-12-07T01:00:00.000Z');
  });
});

describe('recomputeOnPriorityChange', () => {
  const monday10 = at('2026-12-07T01:00:00Z');

  it('recomputes from the original start, so a tighter policy can already be overdue', () => {
    const result = recomputeOnPriorityChange(DEFAULT_POLICY_DOCUMENT, {
      priority: 'high',
      tier: 'standard',
      startedAt: FRIDAY_EVENING,
      now: monday10,
    });
    expect(result.deadlines.startedAt).toBe(FRIDAY_EVENING);
    // 1 h business from Fri 17:00 JST → Fri 18:00 JST: long past.
    expect(iso(result.deadlines.clocks.first_response.dueAt)).toBe('2026-12-04T09:00:00.000Z');
    // 8 h: 1 h Friday + 7 h Monday → Mon 16:00 JST.
    expect(iso(result.deadlines.clocks.resolution.dueAt)).toBe('2026-12-07T07:00:00.000Z');
    expect(result.alreadyDue).toEqual(['first_response']);
    expect(result.alreadyWarned).toEqual(['first_response']);
  });

  it('a looser policy moves deadlines later and nothing is due', () => {
    const result = recomputeOnPriorityChange(DEFAULT_POLICY_DOCUMENT, {
      priority: 'low',
      tier: 'standard',
      startedAt: FRIDAY_EVENING,
      now: monday10,
    });
    expect(result.alreadyDue).toEqual([]);
    expect(result.deadlines.policy.priority).toBe('low');
  });
});

import type { TimerCommand } from '../clocks/sla.model';
import { planTicks, REMEMBER_BEYOND_MS, tickJobId, tickOf, withoutCancelledArms } from './deadline.timers';

const at = new Date('2026-11-25T10:00:00Z');
const arm = (inquiryId: string, version: number): TimerCommand => ({
  type: 'arm',
  inquiryId,
  kind: 'first_response',
  action: 'breach',
  version,
  at,
});
const cancel = (inquiryId: string, version: number): TimerCommand => ({
  type: 'cancel',
  inquiryId,
  kind: 'first_response',
  version,
});

describe('the timer commands of a consumer batch', () => {
  it('keeps every command, in order, when nothing cancels an earlier arm', () => {
    const commands = [arm('a', 1), cancel('b', 1), arm('b', 2)];
    expect(withoutCancelledArms(commands)).toEqual(commands);
  });

  it('drops an arm that a later event of the batch cancels, and keeps the cancel', () => {
    expect(withoutCancelledArms([arm('a', 1), arm('b', 1), cancel('a', 1), arm('a', 2)])).toEqual([
      arm('b', 1),
      cancel('a', 1),
      arm('a', 2),
    ]);
  });

  it('keeps an arm that comes after the cancel of its version', () => {
    expect(withoutCancelledArms([cancel('a', 1), arm('a', 1)])).toEqual([cancel('a', 1), arm('a', 1)]);
  });
});

describe('ticks', () => {
  const now = Date.parse('2026-11-25T10:00:00.000Z');
  const after = (ms: number) => new Date(now + ms);

  it('puts an instant in the first tick at or after it, so nothing fires early', () => {
    expect(tickOf(now, 100)).toBe(now);
    expect(tickOf(now + 1, 100)).toBe(now + 100);
    expect(tickOf(now + 99, 100)).toBe(now + 100);
    expect(tickJobId(now + 100)).toBe(`tick.${now + 100}`);
  });

  it('adds one job per tick, however many instants share it', () => {
    const plan = planTicks([after(5_001), after(5_050), after(5_100), after(60_000)], now, 100, new Set());
    expect(plan).toEqual({ dueNow: false, near: [], add: [now + 5_100, now + 60_000] });
  });

  it('fires a passed instant at once instead of adding a job for it', () => {
    expect(planTicks([after(-30_000), after(0)], now, 100, new Set())).toEqual({
      dueNow: true,
      near: [],
      add: [],
    });
  });

  it('does not add again a tick this process added while it was far; a near one is timed in process either way', () => {
    const far = now + 60_000;
    const near = now + REMEMBER_BEYOND_MS - 100;
    const plan = planTicks([after(60_000), after(REMEMBER_BEYOND_MS - 100)], now, 100, new Set([far, near]));
    expect(plan).toEqual({ dueNow: false, near: [near], add: [] });
    expect(planTicks([after(REMEMBER_BEYOND_MS - 100)], now, 100, new Set()).add).toEqual([near]);
  });
});

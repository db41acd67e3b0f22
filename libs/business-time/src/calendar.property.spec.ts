import fc from 'fast-check';
import { IANAZone } from 'luxon';
import {
  addBusinessTime,
  addBusinessTimes,
  businessSecondsBetween,
  type Calendar,
  type Interval,
  WEEKDAYS,
  type TimeWindow,
} from './calendar';

const MIN = 60_000;
const DAY = 86_400_000;
const ZONES = ['UTC', 'Asia/Tokyo', 'Europe/London', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata'];
const RANGE_START = Date.UTC(2026, 0, 1);
const RANGE_END = Date.UTC(2027, 11, 31);
// DST change days of 2026 in the zones above: starts near them hit the awkward cases often.
const DST_DAYS = ['2026-03-08', '2026-11-01', '2026-03-29', '2026-10-25', '2026-04-05', '2026-10-04'].map(
  (d) => Date.parse(`${d}T00:00:00Z`),
);

const hhmm = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** 0–3 non-overlapping windows on a 15-minute grid, "24:00" included. */
const dayWindows = fc.uniqueArray(fc.integer({ min: 0, max: 96 }), { maxLength: 6 }).map((points) => {
  const sorted = [...points].sort((a, b) => a - b);
  const windows: TimeWindow[] = [];
  for (let i = 0; i + 1 < sorted.length; i += 2)
    windows.push([hhmm(sorted[i] * 15), hhmm(sorted[i + 1] * 15)]);
  return windows;
});

const localDate = fc
  .integer({ min: 0, max: 729 })
  .map((d) => new Date(RANGE_START + d * DAY).toISOString().slice(0, 10));

const minuteInstant = fc.oneof(
  fc.integer({ min: RANGE_START / MIN, max: RANGE_END / MIN }).map((m) => m * MIN),
  fc
    .tuple(fc.constantFrom(...DST_DAYS), fc.integer({ min: -3 * 1440, max: 2 * 1440 }))
    .map(([d, m]) => d + m * MIN),
);

const maintenance = fc.tuple(minuteInstant, fc.integer({ min: 1, max: 2 * 1440 })).map(([from, len]) => ({
  from: new Date(from).toISOString(),
  to: new Date(from + len * MIN).toISOString(),
}));

const weeklyCalendar: fc.Arbitrary<Calendar> = fc
  .record({
    timezone: fc.constantFrom(...ZONES),
    days: fc.tuple(dayWindows, dayWindows, dayWindows, dayWindows, dayWindows, dayWindows, dayWindows),
    holidays: fc.array(localDate, { maxLength: 40 }),
    maintenance: fc.array(maintenance, { maxLength: 3 }),
  })
  .map(({ timezone, days, holidays, maintenance: m }) => {
    if (days.every((d) => d.length === 0)) days[0] = [['09:00', '18:00']];
    const weekly = Object.fromEntries(WEEKDAYS.map((d, i) => [d, days[i]]));
    return { id: 'random', timezone, weekly, holidays, maintenance: m };
  });

const alwaysCalendar: fc.Arbitrary<Calendar> = fc
  .record({
    timezone: fc.constantFrom(...ZONES),
    holidays: fc.array(localDate, { maxLength: 20 }),
    maintenance: fc.array(maintenance, { maxLength: 3 }),
  })
  .map((c) => ({ id: 'always', always: true as const, ...c }));

const anyCalendar = fc.oneof(
  { arbitrary: weeklyCalendar, weight: 4 },
  { arbitrary: alwaysCalendar, weight: 1 },
);

const pauses: fc.Arbitrary<Interval[]> = fc.array(
  fc
    .tuple(minuteInstant, fc.integer({ min: 0, max: 3 * 1440 }))
    .map(([from, len]) => ({ from: new Date(from), to: new Date(from + len * MIN) })),
  { maxLength: 3 },
);

/** Up to three weeks of business time, in whole seconds. */
const duration = fc.integer({ min: 0, max: 21 * 86_400 });
const start = minuteInstant.map((ms) => new Date(ms));

const inside = (t: number, spans: readonly { from: number; to: number }[]): boolean =>
  spans.some((s) => s.from <= t && t < s.to);

describe('business-time properties', () => {
  it('round trip: between(s, add(s, d)) === d', () => {
    fc.assert(
      fc.property(anyCalendar, start, duration, pauses, (cal, s, d, p) => {
        expect(businessSecondsBetween(cal, s, addBusinessTime(cal, s, d, p), p)).toBe(d);
      }),
      { numRuns: 150 },
    );
  });

  it('monotonic: a longer target is never due earlier', () => {
    fc.assert(
      fc.property(anyCalendar, start, duration, duration, pauses, (cal, s, a, b, p) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(addBusinessTime(cal, s, lo, p).getTime()).toBeLessThanOrEqual(
          addBusinessTime(cal, s, hi, p).getTime(),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('additive: add(add(s, a), b) === add(s, a + b)', () => {
    fc.assert(
      fc.property(anyCalendar, start, duration, duration, pauses, (cal, s, a, b, p) => {
        expect(addBusinessTime(cal, addBusinessTime(cal, s, a, p), b, p).getTime()).toBe(
          addBusinessTime(cal, s, a + b, p).getTime(),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('between is additive and antisymmetric over any three instants', () => {
    fc.assert(
      fc.property(
        anyCalendar,
        start,
        fc.integer({ min: -30 * 1440, max: 30 * 1440 }),
        fc.integer({ min: -30 * 1440, max: 30 * 1440 }),
        (cal, a, db, dc) => {
          const b = new Date(a.getTime() + db * MIN);
          const c = new Date(a.getTime() + dc * MIN);
          const ab = businessSecondsBetween(cal, a, b);
          const bc = businessSecondsBetween(cal, b, c);
          expect(ab + bc).toBe(businessSecondsBetween(cal, a, c));
          expect(businessSecondsBetween(cal, b, a)).toBe(ab === 0 ? 0 : -ab);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('pauses never shorten: deadlines only move later, elapsed business time only shrinks', () => {
    fc.assert(
      fc.property(anyCalendar, start, duration, pauses, (cal, s, d, p) => {
        const due = addBusinessTime(cal, s, d);
        expect(addBusinessTime(cal, s, d, p).getTime()).toBeGreaterThanOrEqual(due.getTime());
        expect(businessSecondsBetween(cal, s, due, p)).toBeLessThanOrEqual(d);
      }),
      { numRuns: 100 },
    );
  });

  it('an "always" calendar without holidays or maintenance is plain addition, minus pauses', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), start, duration, (tz, s, d) => {
        const cal: Calendar = { id: 'a', timezone: tz, always: true };
        expect(addBusinessTime(cal, s, d).getTime()).toBe(s.getTime() + d * 1000);
        const pause = { from: new Date(s.getTime() + 1000), to: new Date(s.getTime() + 1000 + 3_600_000) };
        if (d > 1)
          expect(addBusinessTime(cal, s, d, [pause]).getTime()).toBe(s.getTime() + d * 1000 + 3_600_000);
      }),
      { numRuns: 100 },
    );
  });

  it('a positive target is reached while business time runs: never in a holiday, maintenance, pause or closed hours', () => {
    fc.assert(
      fc.property(anyCalendar, start, fc.integer({ min: 1, max: 21 * 86_400 }), pauses, (cal, s, d, p) => {
        const due = addBusinessTime(cal, s, d, p).getTime();
        // The last millisecond before the deadline was business time...
        expect(businessSecondsBetween(cal, new Date(due - 1), new Date(due), p)).toBe(0.001);
        // ...and, checked independently of the implementation, lies outside maintenance, pauses and holidays.
        const justBefore = due - 1;
        const maint = (cal.maintenance ?? []).map((m) => ({
          from: Date.parse(m.from),
          to: Date.parse(m.to),
        }));
        expect(inside(justBefore, maint)).toBe(false);
        expect(
          inside(
            justBefore,
            p.map((x) => ({ from: x.from.getTime(), to: x.to.getTime() })),
          ),
        ).toBe(false);
        const offset = IANAZone.create(cal.timezone).offset(justBefore);
        const local = new Date(justBefore + offset * MIN).toISOString().slice(0, 10);
        expect(cal.holidays ?? []).not.toContain(local);
      }),
      { numRuns: 150 },
    );
  });

  it('addBusinessTimes equals addBusinessTime per target', () => {
    fc.assert(
      fc.property(anyCalendar, start, fc.array(duration, { maxLength: 5 }), pauses, (cal, s, ds, p) => {
        expect(addBusinessTimes(cal, s, ds, p).map((x) => x.getTime())).toEqual(
          ds.map((d) => addBusinessTime(cal, s, d, p).getTime()),
        );
      }),
      { numRuns: 60 },
    );
  });

  /**
   * Reference model, minute by minute: a minute is business time when the running maximum of the
   * wall clock (the latest local time shown so far, which is what "a window opens the first time
   * the clock reaches its start" amounts to) lies in a window of a non-holiday day, and the minute
   * is outside maintenance and pauses. Independent of the day-window algorithm it checks.
   */
  it('agrees with a minute-by-minute reference model (DST days included)', () => {
    fc.assert(
      fc.property(
        anyCalendar,
        minuteInstant,
        fc.integer({ min: 0, max: 2 * 1440 }),
        pauses,
        (cal, from, minutes, p) => {
          const zone = IANAZone.create(cal.timezone);
          const wall = (t: number): number => t + zone.offset(t) * MIN;
          const holidays = new Set(cal.holidays ?? []);
          const maint = (cal.maintenance ?? []).map((m) => ({
            from: Date.parse(m.from),
            to: Date.parse(m.to),
          }));
          const paused = p.map((x) => ({ from: x.from.getTime(), to: x.to.getTime() }));
          const windows = WEEKDAYS.map((d) =>
            cal.always
              ? [[0, 1440]]
              : (cal.weekly?.[d] ?? []).map(([a, b]) =>
                  [a, b].map((x) => Number(x.slice(0, 2)) * 60 + Number(x.slice(3))),
                ),
          );
          let runningMax = -Infinity;
          for (let t = from - 180 * MIN; t < from; t += MIN) runningMax = Math.max(runningMax, wall(t));
          let expected = 0;
          for (let t = from; t < from + minutes * MIN; t += MIN) {
            runningMax = Math.max(runningMax, wall(t));
            const day = Math.floor(runningMax / DAY);
            const minuteOfDay = (runningMax - day * DAY) / MIN;
            const weekday = (((day + 3) % 7) + 7) % 7;
            const open =
              !holidays.has(new Date(day * DAY).toISOString().slice(0, 10)) &&
              windows[weekday].some(([a, b]) => a <= minuteOfDay && minuteOfDay < b) &&
              !inside(t, maint) &&
              !inside(t, paused);
            if (open) expected += 60;
          }
          expect(businessSecondsBetween(cal, new Date(from), new Date(from + minutes * MIN), p)).toBe(
            expected,
          );
        },
      ),
      { numRuns: 30 },
    );
  });
});

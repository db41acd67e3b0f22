import { BusinessTimeError, BusinessTimeErrorCode } from './errors';
import { DAY_MS, WallClock } from './wall-clock';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** `["HH:MM", "HH:MM"]`, local wall-clock time; the end may be "24:00". */
export type TimeWindow = readonly [string, string];

export interface MaintenanceWindow {
  /** ISO instant with offset, e.g. "2026-12-05T01:00:00Z". */
  readonly from: string;
  readonly to: string;
}

/** A business calendar exactly as it appears in the SLA policy document (see API.md, "SLA"). */
export interface Calendar {
  readonly id: string;
  readonly timezone: string;
  readonly always?: true;
  readonly weekly?: Readonly<Partial<Record<Weekday, readonly TimeWindow[]>>>;
  /** "YYYY-MM-DD", local dates in the calendar's zone: the whole local day is closed. */
  readonly holidays?: readonly string[];
  readonly maintenance?: readonly MaintenanceWindow[];
}

/** A half-open span of real time [from, to), e.g. while the inquiry waits on the customer. */
export interface Interval {
  readonly from: Date;
  readonly to: Date;
}

const HH_MM = /^(\d{2}):(\d{2})$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A calendar that yields no business time for this many consecutive local days is treated as dead. */
const MAX_EMPTY_DAYS = 3660;
/** Bounds the per-calendar day cache (about 55 years of days) so a long-running process cannot grow it forever. */
const MAX_CACHED_DAYS = 20_000;

/** Minutes after midnight of "HH:MM" (00:00–24:00), or undefined if malformed. */
export function parseWallTime(text: string): number | undefined {
  const m = HH_MM.exec(text);
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return undefined;
  return h * 60 + min;
}

/** Day number (days since 1970-01-01) of a real "YYYY-MM-DD" date, or undefined. */
export function parseLocalDate(text: string): number | undefined {
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d)
    return undefined;
  return ms / DAY_MS;
}

/** Monday = 0 … Sunday = 6; day 0 (1970-01-01) was a Thursday. */
function weekdayIndex(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

interface CompiledCalendar {
  readonly id: string;
  readonly clock: WallClock;
  /** Per weekday (Mon = 0): sorted, merged windows as flat [startMin, endMin, ...]. */
  readonly windows: readonly (readonly number[])[];
  readonly holidays: ReadonlySet<number>;
  /** Sorted, merged closures as flat [fromMs, toMs, ...]. */
  readonly maintenance: readonly number[];
  /** Open intervals (flat [fromMs, toMs, ...]) of each local day, maintenance already removed. */
  readonly days: Map<number, readonly number[]>;
}

// Keyed by object identity: the service resolves the same (frozen) document for every clock, so
// the expensive part, turning wall-clock windows into instants, happens once per calendar and day.
const compiled = new WeakMap<Calendar, CompiledCalendar>();

function invalid(calendar: Calendar, detail: string): BusinessTimeError {
  return new BusinessTimeError(BusinessTimeErrorCode.InvalidCalendar, `calendar "${calendar.id}": ${detail}`);
}

/** Sorts and merges overlapping/adjacent [from, to) pairs. */
function mergeIntervals(pairs: [number, number][]): number[] {
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [from, to] of pairs) {
    if (to <= from) continue;
    const last = out.length - 1;
    if (out.length > 0 && from <= out[last]) out[last] = Math.max(out[last], to);
    else out.push(from, to);
  }
  return out;
}

function compile(calendar: Calendar): CompiledCalendar {
  const cached = compiled.get(calendar);
  if (cached) return cached;

  const clock = new WallClock(calendar.timezone);
  const windows = WEEKDAYS.map((weekday) => {
    if (calendar.always) return [0, 1440];
    const pairs = (calendar.weekly?.[weekday] ?? []).map(([start, end]): [number, number] => {
      const s = parseWallTime(start);
      const e = parseWallTime(end);
      if (s === undefined || e === undefined || s >= e) {
        throw invalid(calendar, `bad window ${weekday} ["${start}", "${end}"]`);
      }
      return [s, e];
    });
    return mergeIntervals(pairs);
  });
  if (windows.every((w) => w.length === 0)) {
    throw new BusinessTimeError(
      BusinessTimeErrorCode.NoBusinessTime,
      `calendar "${calendar.id}" has no business time: it has no weekly windows and is not "always"`,
    );
  }
  const holidays = new Set(
    (calendar.holidays ?? []).map((text) => {
      const day = parseLocalDate(text);
      if (day === undefined) throw invalid(calendar, `bad holiday "${text}"`);
      return day;
    }),
  );
  const maintenance = mergeIntervals(
    (calendar.maintenance ?? []).map(({ from, to }): [number, number] => {
      const f = Date.parse(from);
      const t = Date.parse(to);
      if (Number.isNaN(f) || Number.isNaN(t) || f >= t)
        throw invalid(calendar, `bad maintenance window ${from}..${to}`);
      return [f, t];
    }),
  );
  const result: CompiledCalendar = {
    id: calendar.id,
    clock,
    windows,
    holidays,
    maintenance,
    days: new Map(),
  };
  compiled.set(calendar, result);
  return result;
}

/** Index of the first pair in a flat sorted [from, to, ...] list whose `to` is after `t`. */
function firstPairEndingAfter(flat: readonly number[], t: number): number {
  let lo = 0;
  let hi = flat.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (flat[2 * mid + 1] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Pushes the parts of [from, to) not covered by `closures` (flat, sorted, merged) onto `out`. */
function subtract(from: number, to: number, closures: readonly number[], out: number[]): void {
  let cursor = from;
  for (let i = firstPairEndingAfter(closures, from); 2 * i < closures.length; i++) {
    const cFrom = closures[2 * i];
    if (cFrom >= to) break;
    if (cFrom > cursor) out.push(cursor, cFrom);
    cursor = Math.max(cursor, closures[2 * i + 1]);
    if (cursor >= to) return;
  }
  if (cursor < to) out.push(cursor, to);
}

function dayIntervals(cc: CompiledCalendar, day: number): readonly number[] {
  const cached = cc.days.get(day);
  if (cached) return cached;
  const out: number[] = [];
  const windows = cc.windows[weekdayIndex(day)];
  if (windows.length > 0 && !cc.holidays.has(day)) {
    const instants = cc.clock.instantsOnDay(day, windows);
    for (let i = 0; i < instants.length; i += 2) {
      // A window wholly inside a skipped DST hour maps to an empty span.
      if (instants[i + 1] > instants[i]) subtract(instants[i], instants[i + 1], cc.maintenance, out);
    }
  }
  if (cc.days.size >= MAX_CACHED_DAYS) cc.days.clear();
  cc.days.set(day, out);
  return out;
}

function normalizePauses(pauses: readonly Interval[] | undefined): number[] {
  if (!pauses || pauses.length === 0) return [];
  return mergeIntervals(
    pauses.map(({ from, to }, i): [number, number] => {
      const f = instantOf(from, `pauses[${i}].from`);
      const t = instantOf(to, `pauses[${i}].to`);
      if (f > t)
        throw new BusinessTimeError(BusinessTimeErrorCode.InvalidArgument, `pauses[${i}]: from is after to`);
      return [f, t];
    }),
  );
}

function instantOf(date: Date, name: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (Number.isNaN(ms))
    throw new BusinessTimeError(BusinessTimeErrorCode.InvalidArgument, `${name} is not a valid Date`);
  return ms;
}

/**
 * Calls `visit(from, to)` for each open span of business time at or after `fromMs`, in order,
 * until it returns true. Iterates per local day and window, never per minute.
 */
function walk(
  cc: CompiledCalendar,
  fromMs: number,
  pauses: readonly number[],
  visit: (a: number, b: number) => boolean,
): void {
  // Any zone's local date is within a day of the UTC date; start early, the extra days are skipped.
  let day = Math.floor(fromMs / DAY_MS) - 2;
  let emptyDays = 0;
  const pieces: number[] = [];
  for (;;) {
    const intervals = dayIntervals(cc, day);
    if (intervals.length === 0) {
      if (++emptyDays > MAX_EMPTY_DAYS) {
        throw new BusinessTimeError(
          BusinessTimeErrorCode.NoBusinessTime,
          `calendar "${cc.id}" has no business time for ${MAX_EMPTY_DAYS} days after ${new Date(fromMs).toISOString()}`,
        );
      }
    } else {
      emptyDays = 0;
      for (let i = 0; i < intervals.length; i += 2) {
        const to = intervals[i + 1];
        if (to <= fromMs) continue;
        const from = Math.max(intervals[i], fromMs);
        if (pauses.length === 0) {
          if (visit(from, to)) return;
          continue;
        }
        pieces.length = 0;
        subtract(from, to, pauses, pieces);
        for (let j = 0; j < pieces.length; j += 2) if (visit(pieces[j], pieces[j + 1])) return;
      }
    }
    day++;
  }
}

/**
 * The instants at which each of `seconds` (any order) of business time have elapsed from `start`,
 * in one pass over the calendar. A target of 0 is `start` itself; a positive target is always
 * reached while business time runs (possibly at the very end of a window, e.g. 18:00).
 * Business time is counted in whole milliseconds.
 */
export function addBusinessTimes(
  calendar: Calendar,
  start: Date,
  seconds: readonly number[],
  pauses?: readonly Interval[],
): Date[] {
  const startMs = instantOf(start, 'start');
  const targets = seconds.map((s, index) => {
    if (!Number.isFinite(s) || s < 0) {
      throw new BusinessTimeError(
        BusinessTimeErrorCode.InvalidArgument,
        `seconds must be a finite number >= 0, got ${s}`,
      );
    }
    return { ms: Math.round(s * 1000), index };
  });
  const cc = compile(calendar);
  const results: Date[] = new Array<Date>(targets.length);
  const pending = targets.filter((t) => {
    if (t.ms > 0) return true;
    results[t.index] = new Date(startMs);
    return false;
  });
  if (pending.length === 0) return results;
  pending.sort((a, b) => a.ms - b.ms);
  const closures = normalizePauses(pauses);
  let elapsed = 0;
  let next = 0;
  walk(cc, startMs, closures, (from, to) => {
    const after = elapsed + (to - from);
    while (next < pending.length && pending[next].ms <= after) {
      results[pending[next].index] = new Date(from + (pending[next].ms - elapsed));
      next++;
    }
    elapsed = after;
    return next === pending.length;
  });
  return results;
}

/** The instant at which `seconds` of business time have elapsed from `start` (see addBusinessTimes). */
export function addBusinessTime(
  calendar: Calendar,
  start: Date,
  seconds: number,
  pauses?: readonly Interval[],
): Date {
  return addBusinessTimes(calendar, start, [seconds], pauses)[0];
}

/**
 * Business seconds in [from, to). Signed: negative when `to` is before `from`, so that
 * between(a, b) + between(b, c) === between(a, c) for any order.
 */
export function businessSecondsBetween(
  calendar: Calendar,
  from: Date,
  to: Date,
  pauses?: readonly Interval[],
): number {
  const fromMs = instantOf(from, 'from');
  const toMs = instantOf(to, 'to');
  if (toMs < fromMs) {
    const forward = businessSecondsBetween(calendar, to, from, pauses);
    return forward === 0 ? 0 : -forward; // never -0, which surprises Object.is and JSON readers alike
  }
  const cc = compile(calendar);
  if (toMs === fromMs) return 0;
  let total = 0;
  walk(cc, fromMs, normalizePauses(pauses), (a, b) => {
    if (a >= toMs) return true;
    total += Math.min(b, toMs) - a;
    return b >= toMs;
  });
  return total / 1000;
}

/**
 * Throws a BusinessTimeError if the calendar cannot be used (unknown zone, malformed windows,
 * holidays or maintenance, no business time at all). Policy validation uses it so that the
 * document check and the arithmetic can never disagree.
 */
export function assertUsableCalendar(calendar: Calendar): void {
  compile(calendar);
}

import { IANAZone } from 'luxon';
import { BusinessTimeError, BusinessTimeErrorCode } from './errors';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/**
 * Turns local wall-clock times of one IANA zone into instants.
 *
 * Luxon resolves a skipped wall time by shifting it forward by the gap and an ambiguous one by a
 * guess that depends on the current date, neither of which is what a business calendar needs.
 * Here a wall time maps to the FIRST instant at which the zone's clock shows that time or later:
 * a skipped time maps to the transition itself (so a window inside the skipped hour is empty),
 * a repeated time maps to its first occurrence (so a window spanning the repeated hour lasts for
 * the real time that elapsed). Luxon still supplies every offset: no tz rules are hand-rolled.
 *
 * A wall time is given as "wall milliseconds": the epoch milliseconds the same Y-M-D h:m would
 * have in UTC, so local day `d` starts at `d * DAY_MS`.
 */
export class WallClock {
  private readonly zone: IANAZone;

  constructor(readonly timezone: string) {
    if (!IANAZone.isValidZone(timezone)) {
      throw new BusinessTimeError(BusinessTimeErrorCode.InvalidCalendar, `unknown time zone "${timezone}"`);
    }
    this.zone = IANAZone.create(timezone);
  }

  /** UTC offset in minutes at an instant. */
  offsetMinutes(instantMs: number): number {
    return this.zone.offset(instantMs);
  }

  /**
   * Instants of several wall times (minutes after local midnight, 1440 = next midnight) on local
   * day `day`, in one go: offsets cost ~10 µs each (Intl), so a day without a transition nearby
   * is resolved with two look-ups. Assumes a zone never changes offset twice within three days,
   * which holds for every zone in tzdb since 1970.
   */
  instantsOnDay(day: number, minutes: readonly number[]): number[] {
    const midnight = day * DAY_MS;
    const before = this.zone.offset(midnight - DAY_MS);
    const after = this.zone.offset(midnight + 2 * DAY_MS);
    if (before === after) {
      return minutes.map((m) => midnight + m * MINUTE_MS - before * MINUTE_MS);
    }
    return minutes.map((m) => this.firstInstantAtOrAfter(midnight + m * MINUTE_MS));
  }

  /** The first instant at which the local clock shows `wallMs` or later (see class comment). */
  firstInstantAtOrAfter(wallMs: number): number {
    const offA = this.zone.offset(wallMs - DAY_MS);
    const offB = this.zone.offset(wallMs + DAY_MS);
    const candA = wallMs - offA * MINUTE_MS;
    const candB = wallMs - offB * MINUTE_MS;
    const validA = this.zone.offset(candA) === offA;
    const validB = this.zone.offset(candB) === offB;
    if (validA && validB) return Math.min(candA, candB);
    if (validA) return candA;
    if (validB) return candB;
    // Neither offset yields this wall time: it lies in a skipped gap. The first instant showing a
    // later time is the transition, which lies between the two candidates; bisect for it.
    let lo = Math.min(candA, candB);
    let hi = Math.max(candA, candB);
    const offLo = this.zone.offset(lo);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.zone.offset(mid) === offLo) lo = mid;
      else hi = mid;
    }
    return hi;
  }
}

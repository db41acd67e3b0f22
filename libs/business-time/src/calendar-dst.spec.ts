import { addBusinessTime, businessSecondsBetween, type Calendar, type TimeWindow } from './calendar';

const H = 3600;
const at = (iso: string): Date => new Date(iso);
const everyDay = (windows: readonly TimeWindow[]): Calendar['weekly'] => ({
  mon: windows,
  tue: windows,
  wed: windows,
  thu: windows,
  fri: windows,
  sat: windows,
  sun: windows,
});
const cal = (timezone: string, windows: readonly TimeWindow[]): Calendar => ({
  id: timezone,
  timezone,
  weekly: everyDay(windows),
});

describe('DST: wall-clock windows, real elapsed time', () => {
  describe('Europe/London, spring forward (Sun 2026-03-29, 01:00 GMT → 02:00 BST)', () => {
    it('a full day lasts 23 real hours', () => {
      const london = cal('Europe/London', [['00:00', '24:00']]);
      // Local midnight to local midnight: 00:00 GMT (00:00Z) to 00:00 BST (23:00Z).
      const sunday: Calendar = { ...london, weekly: { sun: [['00:00', '24:00']] } };
      expect(businessSecondsBetween(sunday, at('2026-03-28T12:00:00Z'), at('2026-03-30T12:00:00Z'))).toBe(
        23 * H,
      );
    });

    it('the skipped hour does not count', () => {
      expect(
        businessSecondsBetween(
          cal('Europe/London', [['01:00', '02:00']]),
          at('2026-03-28T00:00:00Z'),
          at('2026-03-31T00:00:00Z'),
        ),
      ).toBe(2 * H);
      // 00:30 GMT (00:30Z) to 02:30 BST (01:30Z).
      const c = cal('Europe/London', [['00:30', '02:30']]);
      expect(addBusinessTime(c, at('2026-03-29T00:00:00Z'), H).toISOString()).toBe(
        '2026-03-29T01:30:00.000Z',
      );
    });

    it('carries office hours over the weekend of the change', () => {
      const office: Calendar = {
        id: 'ldn',
        timezone: 'Europe/London',
        weekly: { mon: [['09:00', '17:00']], fri: [['09:00', '17:00']] },
      };
      // Fri 27 Mar 16:00 GMT + 2 h → Mon 30 Mar 10:00 BST = 09:00Z.
      expect(addBusinessTime(office, at('2026-03-27T16:00:00Z'), 2 * H).toISOString()).toBe(
        '2026-03-30T09:00:00.000Z',
      );
    });
  });

  describe('Europe/London, fall back (Sun 2026-10-25, 02:00 BST → 01:00 GMT)', () => {
    it('a full day lasts 25 real hours', () => {
      const london = cal('Europe/London', [['00:00', '24:00']]);
      expect(businessSecondsBetween(london, at('2026-10-24T23:00:00Z'), at('2026-10-26T00:00:00Z'))).toBe(
        25 * H,
      );
    });

    it('a window over the repeated hour lasts the real time that passed', () => {
      // 01:00 BST (00:00Z) until the clock first shows 02:00, i.e. 02:00 GMT (02:00Z).
      const c = cal('Europe/London', [['01:00', '02:00']]);
      expect(businessSecondsBetween(c, at('2026-10-25T00:00:00Z'), at('2026-10-25T12:00:00Z'))).toBe(2 * H);
      expect(addBusinessTime(c, at('2026-10-24T12:00:00Z'), 1.5 * H).toISOString()).toBe(
        '2026-10-25T01:30:00.000Z',
      );
    });

    it('a window starting in the repeated hour opens at its first occurrence', () => {
      // 01:30 BST (00:30Z) to 03:00 GMT (03:00Z).
      const c = cal('Europe/London', [['01:30', '03:00']]);
      expect(businessSecondsBetween(c, at('2026-10-25T00:00:00Z'), at('2026-10-25T12:00:00Z'))).toBe(2.5 * H);
    });
  });

  describe('America/New_York, window 01:00–03:00', () => {
    const ny = cal('America/New_York', [['01:00', '03:00']]);

    it('spring forward (Sun 2026-03-08 02:00 EST → 03:00 EDT): only one real hour', () => {
      expect(businessSecondsBetween(ny, at('2026-03-08T05:00:00Z'), at('2026-03-08T12:00:00Z'))).toBe(H);
      // Starts 01:00 EST = 06:00Z; after 1 h the window is over (03:00 EDT = 07:00Z), the rest is Monday 01:00 EDT.
      expect(addBusinessTime(ny, at('2026-03-08T06:00:00Z'), 1.5 * H).toISOString()).toBe(
        '2026-03-09T05:30:00.000Z',
      );
    });

    it('fall back (Sun 2026-11-01 02:00 EDT → 01:00 EST): three real hours', () => {
      expect(businessSecondsBetween(ny, at('2026-11-01T04:00:00Z'), at('2026-11-01T12:00:00Z'))).toBe(3 * H);
      // 01:00 EDT (05:00Z) + 2.5 h = 07:30Z, which reads 02:30 EST.
      expect(addBusinessTime(ny, at('2026-11-01T05:00:00Z'), 2.5 * H).toISOString()).toBe(
        '2026-11-01T07:30:00.000Z',
      );
    });

    it('a window wholly inside the skipped hour is empty that day', () => {
      const gap = cal('America/New_York', [['02:15', '02:45']]);
      expect(businessSecondsBetween(gap, at('2026-03-08T00:00:00Z'), at('2026-03-09T00:00:00Z'))).toBe(0);
      expect(businessSecondsBetween(gap, at('2026-03-09T00:00:00Z'), at('2026-03-10T00:00:00Z'))).toBe(1800);
    });

    it('a 24/7 calendar is plain elapsed time across both changes', () => {
      const always: Calendar = { id: 'a', timezone: 'America/New_York', always: true };
      expect(businessSecondsBetween(always, at('2026-03-07T05:00:00Z'), at('2026-03-09T04:00:00Z'))).toBe(
        47 * H,
      );
      expect(addBusinessTime(always, at('2026-10-31T04:00:00Z'), 49 * H).toISOString()).toBe(
        '2026-11-02T05:00:00.000Z',
      );
    });
  });

  describe('Asia/Tokyo (no DST)', () => {
    it('is unaffected by the US and EU change dates', () => {
      const tokyo = cal('Asia/Tokyo', [['09:00', '18:00']]);
      expect(businessSecondsBetween(tokyo, at('2026-03-07T15:00:00Z'), at('2026-03-09T15:00:00Z'))).toBe(
        18 * H,
      );
      expect(businessSecondsBetween(tokyo, at('2026-10-24T15:00:00Z'), at('2026-10-26T15:00:00Z'))).toBe(
        18 * H,
      );
    });

    it('treats holidays as Tokyo dates, not UTC dates', () => {
      const tokyo: Calendar = { ...cal('Asia/Tokyo', [['00:00', '24:00']]), holidays: ['2026-05-04'] };
      // 2026-05-04 JST = 2026-05-03T15:00Z .. 2026-05-04T15:00Z.
      expect(businessSecondsBetween(tokyo, at('2026-05-03T00:00:00Z'), at('2026-05-05T00:00:00Z'))).toBe(
        24 * H,
      );
      expect(addBusinessTime(tokyo, at('2026-05-03T14:00:00Z'), 2 * H).toISOString()).toBe(
        '2026-05-04T16:00:00.000Z',
      );
    });
  });
});

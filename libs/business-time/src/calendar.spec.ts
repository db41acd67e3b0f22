import { addBusinessTime, businessSecondsBetween, type Calendar } from './calendar';
import { BusinessTimeError } from './errors';

const H = 3600;
const at = (iso: string): Date => new Date(iso);

const tokyo: Calendar = {
  id: 'tokyo',
  timezone: 'Asia/Tokyo',
  weekly: {
    mon: [['09:00', '18:00']],
    tue: [['09:00', '18:00']],
    wed: [['09:00', '18:00']],
    thu: [['09:00', '18:00']],
    fri: [['09:00', '18:00']],
  },
  holidays: ['2026-12-31', '2027-01-01'],
  maintenance: [{ from: '2026-12-08T01:00:00Z', to: '2026-12-08T03:00:00Z' }],
};

describe('addBusinessTime / businessSecondsBetween — Tokyo office hours', () => {
  it('carries a Friday-evening inquiry over the weekend to Monday morning', () => {
    // Fri 2026-12-04 17:00 JST = 08:00Z; 2 business hours: 1 h on Friday, 1 h on Monday.
    expect(addBusinessTime(tokyo, at('2026-12-04T08:00:00Z'), 2 * H).toISOString()).toBe(
      '2026-12-07T01:00:00.000Z',
    );
  });

  it('starts counting at opening time when the inquiry arrives at night', () => {
    // Tue 2026-12-01 23:00 JST → Wed 09:00 JST + 30 min.
    expect(addBusinessTime(tokyo, at('2026-12-01T14:00:00Z'), 1800).toISOString()).toBe(
      '2026-12-02T00:30:00.000Z',
    );
  });

  it('ends exactly at closing time rather than at the next opening', () => {
    expect(addBusinessTime(tokyo, at('2026-12-01T00:00:00Z'), 9 * H).toISOString()).toBe(
      '2026-12-01T09:00:00.000Z',
    );
  });

  it('skips holidays (whole local days)', () => {
    // Wed 2026-12-30 17:00 JST, 2 h: 1 h on Wed, Thu 31 and Fri 1 are holidays, Sat/Sun closed → Mon 4 Jan 10:00 JST.
    expect(addBusinessTime(tokyo, at('2026-12-30T08:00:00Z'), 2 * H).toISOString()).toBe(
      '2027-01-04T01:00:00.000Z',
    );
  });

  it('skips maintenance windows', () => {
    // Tue 2026-12-08 09:00 JST (00:00Z); maintenance 10:00–12:00 JST → 2 h of work ends 13:00 JST.
    expect(addBusinessTime(tokyo, at('2026-12-08T00:00:00Z'), 2 * H).toISOString()).toBe(
      '2026-12-08T04:00:00.000Z',
    );
    expect(businessSecondsBetween(tokyo, at('2026-12-08T00:00:00Z'), at('2026-12-08T09:00:00Z'))).toBe(7 * H);
  });

  it('does not count pauses (waiting on the customer)', () => {
    const pauses = [{ from: at('2026-12-01T01:00:00Z'), to: at('2026-12-01T03:00:00Z') }];
    expect(addBusinessTime(tokyo, at('2026-12-01T00:00:00Z'), 3 * H, pauses).toISOString()).toBe(
      '2026-12-01T05:00:00.000Z',
    );
    expect(
      businessSecondsBetween(tokyo, at('2026-12-01T00:00:00Z'), at('2026-12-01T09:00:00Z'), pauses),
    ).toBe(7 * H);
  });

  it('counts a whole week of a full day as 45 h', () => {
    expect(businessSecondsBetween(tokyo, at('2026-11-30T00:00:00Z'), at('2026-12-07T00:00:00Z'))).toBe(
      45 * H,
    );
  });

  it('is signed: between(b, a) = -between(a, b)', () => {
    expect(businessSecondsBetween(tokyo, at('2026-12-01T09:00:00Z'), at('2026-12-01T00:00:00Z'))).toBe(
      -9 * H,
    );
  });
});

describe('guards', () => {
  it('refuses a calendar with no business time instead of looping', () => {
    const dead: Calendar = { id: 'dead', timezone: 'Asia/Tokyo', weekly: {} };
    expect(() => addBusinessTime(dead, at('2026-01-01T00:00:00Z'), 60)).toThrow(BusinessTimeError);
    expect(() => addBusinessTime(dead, at('2026-01-01T00:00:00Z'), 60)).toThrow(/no business time/);
  });

  it('gives up on a calendar closed by maintenance for more than ten years', () => {
    const closed: Calendar = {
      id: 'closed',
      timezone: 'UTC',
      always: true,
      maintenance: [{ from: '2026-01-01T00:00:00Z', to: '2040-01-01T00:00:00Z' }],
    };
    expect(() => addBusinessTime(closed, at('2026-06-01T00:00:00Z'), 60)).toThrow(
      /no business time for 3660 days/,
    );
  });

  it('refuses an unknown time zone, a negative duration and an invalid date', () => {
    expect(() =>
      addBusinessTime({ id: 'x', timezone: 'Asia/Tokio', always: true }, at('2026-01-01T00:00:00Z'), 1),
    ).toThrow(/unknown time zone "Asia\/Tokio"/);
    expect(() => addBusinessTime(tokyo, at('2026-01-01T00:00:00Z'), -1)).toThrow(/seconds must be/);
    expect(() => addBusinessTime(tokyo, new Date('nope'), 1)).toThrow(/start is not a valid Date/);
  });
});

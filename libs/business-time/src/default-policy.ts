import { deepFreeze } from './freeze';
import type { PolicyDocument, SlaPolicy } from './policy';

const HOUR = 3600;
const MINUTE = 60;

/**
 * Japanese public holidays (内閣府「国民の祝日」) 2026–2027, substitute and sandwiched days included.
 * The 2027 equinox days are the astronomical dates; the Cabinet Office confirms them each February.
 * Extend the list every year: after its last date only weekends close the business calendar.
 */
export const JP_PUBLIC_HOLIDAYS_2026_2027: readonly string[] = [
  '2026-01-01',
  '2026-01-12',
  '2026-02-11',
  '2026-02-23',
  '2026-03-20',
  '2026-04-29',
  '2026-05-03',
  '2026-05-04',
  '2026-05-05',
  '2026-05-06',
  '2026-07-20',
  '2026-08-11',
  '2026-09-21',
  '2026-09-22',
  '2026-09-23',
  '2026-10-12',
  '2026-11-03',
  '2026-11-23',
  '2027-01-01',
  '2027-01-11',
  '2027-02-11',
  '2027-02-23',
  '2027-03-21',
  '2027-03-22',
  '2027-04-29',
  '2027-05-03',
  '2027-05-04',
  '2027-05-05',
  '2027-07-19',
  '2027-08-11',
  '2027-09-20',
  '2027-09-23',
  '2027-10-11',
  '2027-11-03',
  '2027-11-23',
];

const OFFICE_HOURS = [['09:00', '18:00']] as const;

function policy(
  priority: SlaPolicy['priority'],
  tier: SlaPolicy['tier'],
  calendar: string,
  firstResponseSeconds: number,
  resolutionSeconds: number,
  warnAtPercent: number,
): SlaPolicy {
  return { priority, tier, calendar, firstResponseSeconds, resolutionSeconds, warnAtPercent };
}

/**
 * The document in force until an admin PUTs another. Urgent inquiries (account takeover, stuck
 * funds) run around the clock; the rest follow the Tokyo support office's hours. VIP targets are
 * roughly half the standard ones. See the README for the table.
 */
export const DEFAULT_POLICY_DOCUMENT: PolicyDocument = deepFreeze({
  calendars: [
    { id: '24x7', timezone: 'UTC', always: true },
    {
      id: 'business',
      timezone: 'Asia/Tokyo',
      weekly: {
        mon: OFFICE_HOURS,
        tue: OFFICE_HOURS,
        wed: OFFICE_HOURS,
        thu: OFFICE_HOURS,
        fri: OFFICE_HOURS,
      },
      holidays: JP_PUBLIC_HOLIDAYS_2026_2027,
    },
  ],
  policies: [
    policy('urgent', 'standard', '24x7', 15 * MINUTE, 4 * HOUR, 75),
    policy('urgent', 'vip', '24x7', 5 * MINUTE, 2 * HOUR, 75),
    policy('high', 'standard', 'business', 1 * HOUR, 8 * HOUR, 80),
    policy('high', 'vip', 'business', 30 * MINUTE, 4 * HOUR, 80),
    policy('normal', 'standard', 'business', 4 * HOUR, 24 * HOUR, 80),
    policy('normal', 'vip', 'business', 2 * HOUR, 12 * HOUR, 80),
    policy('low', 'standard', 'business', 8 * HOUR, 72 * HOUR, 80),
    policy('low', 'vip', 'business', 4 * HOUR, 36 * HOUR, 80),
  ],
  escalation: { onWarning: ['urgent'], maxLevel: 2 },
});

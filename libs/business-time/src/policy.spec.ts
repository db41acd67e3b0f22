import { DEFAULT_POLICY_DOCUMENT } from './default-policy';
import { BusinessTimeError } from './errors';
import { parsePolicyDocument, type PolicyDocument, resolvePolicy } from './policy';

/** The document as an admin's JSON, loose enough to be broken in every way the tests need. */
interface RawDocument {
  calendars: {
    id: string;
    timezone: string;
    weekly?: Record<string, string[][]>;
    holidays?: string[];
    maintenance?: { from: string; to: string }[];
  }[];
  policies: { priority: string; tier: string; calendar: string; [field: string]: unknown }[];
  escalation: { onWarning: string[]; maxLevel: number };
}

/** A valid document to break one field at a time (JSON copy: the default is frozen). */
const base = (): RawDocument => JSON.parse(JSON.stringify(DEFAULT_POLICY_DOCUMENT)) as RawDocument;

function errorsOf(raw: unknown): string[] {
  const result = parsePolicyDocument(raw);
  if (result.ok) throw new Error('expected the document to be refused');
  return result.errors;
}

describe('parsePolicyDocument', () => {
  it('accepts the default document, also after a JSON round trip', () => {
    expect(parsePolicyDocument(DEFAULT_POLICY_DOCUMENT).ok).toBe(true);
    expect(parsePolicyDocument(base()).ok).toBe(true);
  });

  it('accepts the example of the API contract once every priority has a standard policy', () => {
    const doc = {
      calendars: [
        { id: '24x7', timezone: 'UTC', always: true },
        {
          id: 'tokyo',
          timezone: 'Asia/Tokyo',
          weekly: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']] },
          holidays: ['2026-12-31', '2027-01-01'],
          maintenance: [{ from: '2026-12-05T01:00:00Z', to: '2026-12-05T03:00:00Z' }],
        },
      ],
      policies: ['urgent', 'high', 'normal', 'low'].map((priority) => ({
        priority,
        tier: 'standard',
        calendar: priority === 'urgent' ? '24x7' : 'tokyo',
        firstResponseSeconds: 900,
        resolutionSeconds: 14400,
        warnAtPercent: 75,
      })),
      escalation: { onWarning: ['urgent'], maxLevel: 2 },
    };
    const result = parsePolicyDocument(doc);
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(Object.isFrozen(result.document.calendars[1].weekly!.mon![0])).toBe(true);
  });

  it.each<[string, (doc: RawDocument) => void, string]>([
    [
      'unknown time zone',
      (d) => (d.calendars[1].timezone = 'Asia/Tokio'),
      'calendars[1].timezone: unknown time zone "Asia/Tokio"',
    ],
    [
      'malformed HH:MM',
      (d) => (d.calendars[1].weekly!.mon = [['9:00', '18:00']]),
      'calendars[1].weekly.mon[0][0]: malformed time "9:00"',
    ],
    [
      'hour out of range',
      (d) => (d.calendars[1].weekly!.mon = [['09:00', '24:30']]),
      'calendars[1].weekly.mon[0][1]: malformed time "24:30"',
    ],
    [
      'start after end',
      (d) => (d.calendars[1].weekly!.tue = [['18:00', '09:00']]),
      'calendars[1].weekly.tue[0]: start "18:00" must be before end "09:00"',
    ],
    [
      'start equal to end',
      (d) => (d.calendars[1].weekly!.tue = [['09:00', '09:00']]),
      'calendars[1].weekly.tue[0]: start "09:00" must be before end "09:00"',
    ],
    [
      'overlapping windows',
      (d) =>
        (d.calendars[1].weekly!.wed = [
          ['09:00', '12:00'],
          ['11:00', '18:00'],
        ]),
      'calendars[1].weekly.wed[1]: window overlaps window [0]',
    ],
    [
      'unknown weekday',
      (d) => (d.calendars[1].weekly!.monday = [['09:00', '18:00']]),
      'calendars[1].weekly: Unrecognized key: "monday"',
    ],
    [
      'impossible holiday',
      (d) => (d.calendars[1].holidays = ['2026-02-30']),
      'calendars[1].holidays[0]: malformed date "2026-02-30"',
    ],
    [
      'maintenance from >= to',
      (d) => (d.calendars[1].maintenance = [{ from: '2026-12-05T03:00:00Z', to: '2026-12-05T01:00:00Z' }]),
      'calendars[1].maintenance[0].to: "to" (2026-12-05T01:00:00Z) must be after "from" (2026-12-05T03:00:00Z)',
    ],
    [
      'maintenance not an instant',
      (d) => (d.calendars[1].maintenance = [{ from: '2026-12-05 01:00', to: '2026-12-05T03:00:00Z' }]),
      'calendars[1].maintenance[0].from: expected an ISO instant with offset',
    ],
    [
      'no business time',
      (d) => (d.calendars[1].weekly = {}),
      'calendars[1]: calendar "business" has no business time',
    ],
    [
      'always and weekly',
      (d) => (d.calendars[0].weekly = { mon: [['09:00', '18:00']] }),
      'calendars[0].weekly: a calendar is either "always" or has "weekly" windows',
    ],
    [
      'duplicate calendar id',
      (d) => (d.calendars[1].id = '24x7'),
      'calendars[1].id: duplicate calendar id "24x7" (first at calendars[0])',
    ],
    [
      'unknown calendar',
      (d) => (d.policies[2].calendar = 'office'),
      'policies[2].calendar: unknown calendar "office" (known: 24x7, business)',
    ],
    [
      'duplicate priority+tier',
      (d) => (d.policies[1].tier = 'standard'),
      'policies[1]: duplicate policy for priority "urgent" tier "standard" (first at policies[0])',
    ],
    [
      'missing standard policy',
      (d) => void d.policies.splice(4, 1),
      'policies: missing policy for priority "normal" tier "standard"',
    ],
    ['warnAtPercent 0', (d) => (d.policies[0].warnAtPercent = 0), 'policies[0].warnAtPercent: '],
    ['warnAtPercent 100', (d) => (d.policies[0].warnAtPercent = 100), 'policies[0].warnAtPercent: '],
    [
      'non-integer target',
      (d) => (d.policies[0].firstResponseSeconds = 1.5),
      'policies[0].firstResponseSeconds: ',
    ],
    ['zero target', (d) => (d.policies[0].resolutionSeconds = 0), 'policies[0].resolutionSeconds: '],
    ['unknown priority', (d) => (d.policies[0].priority = 'critical'), 'policies[0].priority: '],
    ['unknown tier', (d) => (d.policies[0].tier = 'gold'), 'policies[0].tier: '],
    [
      'typo in a field name',
      (d) => (d.policies[0].warnAtPercnt = 75),
      'policies[0]: Unrecognized key: "warnAtPercnt"',
    ],
    [
      'duplicate onWarning',
      (d) => (d.escalation.onWarning = ['urgent', 'urgent']),
      'escalation.onWarning[1]: duplicate priority "urgent"',
    ],
    ['negative maxLevel', (d) => (d.escalation.maxLevel = -1), 'escalation.maxLevel: '],
  ])('refuses %s with a field-level message', (_name, breakIt, expected) => {
    const doc = base();
    breakIt(doc);
    const errors = errorsOf(doc);
    expect(errors.some((e) => e.startsWith(expected))).toBe(true);
  });

  it('reports every field problem at once, each once', () => {
    const doc = base();
    doc.calendars[1].timezone = 'Mars/Olympus';
    doc.calendars[1].weekly!.fri = [['18:00', '09:00']];
    doc.policies[0].warnAtPercent = 120;
    const errors = errorsOf(doc);
    expect(errors).toHaveLength(3);
  });

  it('refuses what is not a document at all', () => {
    expect(errorsOf(null)[0]).toMatch(/^\(document\): /);
    expect(errorsOf({ calendars: [], policies: [], escalation: { onWarning: [], maxLevel: 1 } })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^calendars: /), expect.stringMatching(/^policies: /)]),
    );
  });
});

describe('resolvePolicy', () => {
  it('returns the tier-specific policy with its calendar', () => {
    const { policy, calendar } = resolvePolicy(DEFAULT_POLICY_DOCUMENT, 'normal', 'vip');
    expect(policy).toMatchObject({ priority: 'normal', tier: 'vip', firstResponseSeconds: 7200 });
    expect(calendar.id).toBe('business');
  });

  it('falls back from vip to standard when no vip policy exists', () => {
    const doc = base();
    doc.policies = doc.policies.filter((p) => p.tier === 'standard');
    const parsed = parsePolicyDocument(doc);
    expect(parsed.ok).toBe(true);
    const { policy } = resolvePolicy((parsed as { document: PolicyDocument }).document, 'high', 'vip');
    expect(policy).toMatchObject({ priority: 'high', tier: 'standard', firstResponseSeconds: 3600 });
  });

  it('throws a coded error for an unvalidated document without the policy', () => {
    const doc: PolicyDocument = { calendars: [], policies: [], escalation: { onWarning: [], maxLevel: 0 } };
    expect(() => resolvePolicy(doc, 'low', 'standard')).toThrow(BusinessTimeError);
    expect(() => resolvePolicy(doc, 'low', 'standard')).toThrow(
      /no SLA policy for priority "low" tier "standard"/,
    );
  });
});

describe('DEFAULT_POLICY_DOCUMENT', () => {
  it('keeps urgent on 24/7 and VIP at least as tight as standard', () => {
    for (const p of DEFAULT_POLICY_DOCUMENT.policies) {
      if (p.priority === 'urgent') expect(p.calendar).toBe('24x7');
      else expect(p.calendar).toBe('business');
      if (p.tier === 'vip') {
        const std = resolvePolicy(DEFAULT_POLICY_DOCUMENT, p.priority, 'standard').policy;
        expect(p.firstResponseSeconds).toBeLessThan(std.firstResponseSeconds);
        expect(p.resolutionSeconds).toBeLessThan(std.resolutionSeconds);
      }
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(DEFAULT_POLICY_DOCUMENT.policies[0])).toBe(true);
  });
});

import { CustomerTier, Priority, PRIORITY_ORDER, valuesOf } from '@relaydesk/contracts';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { assertUsableCalendar, type Calendar, parseLocalDate, parseWallTime, WEEKDAYS } from './calendar';
import { BusinessTimeError, BusinessTimeErrorCode } from './errors';
import { deepFreeze } from './freeze';

export interface SlaPolicy {
  readonly priority: Priority;
  readonly tier: CustomerTier;
  /** Id of a calendar of the same document. */
  readonly calendar: string;
  readonly firstResponseSeconds: number;
  readonly resolutionSeconds: number;
  /** Percentage of a target's business time after which `sla.warning` fires (1..99). */
  readonly warnAtPercent: number;
}

export interface EscalationSettings {
  /** Priorities whose warning (not only their breach) already escalates. */
  readonly onWarning: readonly Priority[];
  /** Highest escalation level an inquiry can reach; 0 disables escalation. */
  readonly maxLevel: number;
}

/** The whole SLA policy document of `GET/PUT /v1/sla/policies` (API.md, "SLA"). */
export interface PolicyDocument {
  readonly calendars: readonly Calendar[];
  readonly policies: readonly SlaPolicy[];
  readonly escalation: EscalationSettings;
}

const prioritySchema = z.enum(valuesOf(Priority));
const tierSchema = z.enum(valuesOf(CustomerTier));

const wallTimeSchema = z.string().refine((s) => parseWallTime(s) !== undefined, {
  error: (iss) => `malformed time ${JSON.stringify(iss.input)}: expected "HH:MM" from 00:00 to 24:00`,
});

const windowSchema = z.tuple([wallTimeSchema, wallTimeSchema]).superRefine(([start, end], ctx) => {
  const s = parseWallTime(start);
  const e = parseWallTime(end);
  if (s === undefined || e === undefined) return;
  if (s >= e) ctx.addIssue({ code: 'custom', message: `start "${start}" must be before end "${end}"` });
});

const daySchema = z.array(windowSchema).superRefine((windows, ctx) => {
  const sorted = windows
    .map(([start, end], index) => ({ s: parseWallTime(start), e: parseWallTime(end), index }))
    .filter(
      (w): w is { s: number; e: number; index: number } =>
        w.s !== undefined && w.e !== undefined && w.s < w.e,
    )
    .sort((a, b) => a.s - b.s);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].s < sorted[i - 1].e) {
      ctx.addIssue({
        code: 'custom',
        path: [sorted[i].index],
        message: `window overlaps window [${sorted[i - 1].index}]`,
      });
    }
  }
});

const weeklySchema = z.strictObject(
  Object.fromEntries(WEEKDAYS.map((d) => [d, daySchema.optional()])) as Record<
    (typeof WEEKDAYS)[number],
    z.ZodOptional<typeof daySchema>
  >,
);

const timezoneSchema = z.string().refine((tz) => IANAZone.isValidZone(tz), {
  error: (iss) => `unknown time zone ${JSON.stringify(iss.input)}`,
});

const holidaySchema = z.string().refine((d) => parseLocalDate(d) !== undefined, {
  error: (iss) => `malformed date ${JSON.stringify(iss.input)}: expected a real "YYYY-MM-DD"`,
});

const instantSchema = z.iso.datetime({
  offset: true,
  error: 'expected an ISO instant with offset, e.g. "2026-12-05T01:00:00Z"',
});

const maintenanceSchema = z
  .strictObject({ from: instantSchema, to: instantSchema })
  .superRefine(({ from, to }, ctx) => {
    if (Date.parse(from) >= Date.parse(to))
      ctx.addIssue({ code: 'custom', path: ['to'], message: `"to" (${to}) must be after "from" (${from})` });
  });

export const calendarSchema = z
  .strictObject({
    id: z.string().min(1),
    timezone: timezoneSchema,
    always: z.literal(true).optional(),
    weekly: weeklySchema.optional(),
    holidays: z.array(holidaySchema).optional(),
    maintenance: z.array(maintenanceSchema).optional(),
  })
  .superRefine((calendar, ctx) => {
    if (calendar.always && calendar.weekly) {
      ctx.addIssue({
        code: 'custom',
        path: ['weekly'],
        message: 'a calendar is either "always" or has "weekly" windows, not both',
      });
      return;
    }
    const hasWindow = WEEKDAYS.some((d) => (calendar.weekly?.[d]?.length ?? 0) > 0);
    if (!calendar.always && !hasWindow) {
      ctx.addIssue({
        code: 'custom',
        message: `calendar "${calendar.id}" has no business time: give it "weekly" windows or "always": true`,
      });
    }
  });

export const slaPolicySchema = z.strictObject({
  priority: prioritySchema,
  tier: tierSchema,
  calendar: z.string().min(1),
  firstResponseSeconds: z.number().int().positive(),
  resolutionSeconds: z.number().int().positive(),
  warnAtPercent: z.number().int().min(1).max(99),
});

/**
 * The document schema. Field checks run first; the cross-references (calendar ids, one policy per
 * priority and tier, every priority covered) run once the fields have the right types.
 *
 * Coverage rule: every priority needs a `standard` policy; a `vip` policy is optional and, when
 * absent, vip customers get the standard one (resolvePolicy). A document can therefore tighten
 * only what it means to, and no inquiry is ever left without a policy.
 */
export const policyDocumentSchema = z
  .strictObject({
    calendars: z.array(calendarSchema).min(1),
    policies: z.array(slaPolicySchema).min(1),
    escalation: z.strictObject({ onWarning: z.array(prioritySchema), maxLevel: z.number().int().min(0) }),
  })
  .superRefine((doc, ctx) => {
    const calendarIds = new Map<string, number>();
    doc.calendars.forEach((calendar, i) => {
      const first = calendarIds.get(calendar.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['calendars', i, 'id'],
          message: `duplicate calendar id "${calendar.id}" (first at calendars[${first}])`,
        });
        return;
      }
      calendarIds.set(calendar.id, i);
      // The arithmetic's own check, so validation and computation can never disagree; skipped when
      // the field checks already refused this calendar, to report each problem once.
      if (!calendarSchema.safeParse(calendar).success) return;
      try {
        assertUsableCalendar(calendar);
      } catch (error: unknown) {
        if (!(error instanceof BusinessTimeError)) throw error;
        ctx.addIssue({ code: 'custom', path: ['calendars', i], message: error.message });
      }
    });
    const seen = new Map<string, number>();
    doc.policies.forEach((policy, i) => {
      if (!calendarIds.has(policy.calendar)) {
        ctx.addIssue({
          code: 'custom',
          path: ['policies', i, 'calendar'],
          message: `unknown calendar "${policy.calendar}" (known: ${[...calendarIds.keys()].join(', ')})`,
        });
      }
      const key = `${policy.priority}/${policy.tier}`;
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['policies', i],
          message: `duplicate policy for priority "${policy.priority}" tier "${policy.tier}" (first at policies[${first}])`,
        });
      } else {
        seen.set(key, i);
      }
    });
    for (const priority of PRIORITY_ORDER) {
      if (!seen.has(`${priority}/${CustomerTier.Standard}`)) {
        ctx.addIssue({
          code: 'custom',
          path: ['policies'],
          message: `missing policy for priority "${priority}" tier "standard" (every priority needs one; vip falls back to it)`,
        });
      }
    }
    const warned = new Set<Priority>();
    doc.escalation.onWarning.forEach((priority, i) => {
      if (warned.has(priority))
        ctx.addIssue({
          code: 'custom',
          path: ['escalation', 'onWarning', i],
          message: `duplicate priority "${priority}"`,
        });
      warned.add(priority);
    });
  });

export type PolicyParseResult = { ok: true; document: PolicyDocument } | { ok: false; errors: string[] };

/** `calendars[1].weekly.mon[0][1]` — the path a person editing the JSON would look for. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out || '(document)';
}

/**
 * Validates a raw (JSON-parsed) policy document. On success the document is deep-frozen: the
 * arithmetic caches per calendar object, so a calendar must not change after it was used.
 */
export function parsePolicyDocument(raw: unknown): PolicyParseResult {
  const result = policyDocumentSchema.safeParse(raw);
  if (result.success) {
    const document: PolicyDocument = result.data;
    return { ok: true, document: deepFreeze(document) };
  }
  return {
    ok: false,
    errors: result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
  };
}

export interface ResolvedPolicy {
  /** The entry applied; its `tier` is `standard` when a vip customer fell back to it. */
  readonly policy: SlaPolicy;
  readonly calendar: Calendar;
}

/** The policy for a priority and tier (vip falls back to standard) with its calendar. */
export function resolvePolicy(
  document: PolicyDocument,
  priority: Priority,
  tier: CustomerTier,
): ResolvedPolicy {
  const policy =
    document.policies.find((p) => p.priority === priority && p.tier === tier) ??
    document.policies.find((p) => p.priority === priority && p.tier === CustomerTier.Standard);
  if (!policy) {
    throw new BusinessTimeError(
      BusinessTimeErrorCode.PolicyNotFound,
      `no SLA policy for priority "${priority}" tier "${tier}"`,
    );
  }
  const calendar = document.calendars.find((c) => c.id === policy.calendar);
  if (!calendar) {
    throw new BusinessTimeError(
      BusinessTimeErrorCode.PolicyNotFound,
      `SLA policy ${priority}/${policy.tier} names unknown calendar "${policy.calendar}"`,
    );
  }
  return { policy, calendar };
}

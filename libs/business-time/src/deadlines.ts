import { type CustomerTier, type Priority, SlaClockKind } from '@relaydesk/contracts';
import { addBusinessTimes, type Interval } from './calendar';
import { type PolicyDocument, type ResolvedPolicy, resolvePolicy, type SlaPolicy } from './policy';

export interface ClockDeadline {
  readonly kind: SlaClockKind;
  /** Business seconds the policy allows for this clock. */
  readonly targetSeconds: number;
  /** Business seconds after which the warning fires: floor(target × warnAtPercent / 100). */
  readonly warnAfterSeconds: number;
  readonly warnAt: Date;
  readonly dueAt: Date;
}

export interface SlaDeadlines {
  readonly policy: SlaPolicy;
  /** When the clocks started (classification time); every recomputation starts from here. */
  readonly startedAt: Date;
  readonly clocks: Readonly<Record<SlaClockKind, ClockDeadline>>;
}

function targetOf(policy: SlaPolicy, kind: SlaClockKind): number {
  switch (kind) {
    case SlaClockKind.FirstResponse:
      return policy.firstResponseSeconds;
    case SlaClockKind.Resolution:
      return policy.resolutionSeconds;
  }
}

/**
 * `warnAt` and `dueAt` of both clocks. `pauses` are the spans the inquiry waited on the customer;
 * for a pause still running pass `to: now` — the result is then "the deadlines if the customer
 * answered now", to be recomputed when the pause really ends.
 */
export function computeDeadlines(
  resolved: ResolvedPolicy,
  startedAt: Date,
  pauses?: readonly Interval[],
): SlaDeadlines {
  const { policy, calendar } = resolved;
  const kinds = [SlaClockKind.FirstResponse, SlaClockKind.Resolution] as const;
  const targets = kinds.map((kind) => targetOf(policy, kind));
  const warnAfter = targets.map((t) => Math.floor((t * policy.warnAtPercent) / 100));
  // One pass over the calendar for all four instants.
  const instants = addBusinessTimes(calendar, startedAt, [...warnAfter, ...targets], pauses);
  const clock = (i: 0 | 1): ClockDeadline => ({
    kind: kinds[i],
    targetSeconds: targets[i],
    warnAfterSeconds: warnAfter[i],
    warnAt: instants[i],
    dueAt: instants[i + 2],
  });
  return {
    policy,
    startedAt,
    clocks: { [SlaClockKind.FirstResponse]: clock(0), [SlaClockKind.Resolution]: clock(1) },
  };
}

export interface DeadlineRequest {
  readonly priority: Priority;
  readonly tier: CustomerTier;
  readonly startedAt: Date;
  readonly pauses?: readonly Interval[];
}

/** Resolves the policy (vip falls back to standard) and computes its deadlines. */
export function computeDeadlinesFor(document: PolicyDocument, request: DeadlineRequest): SlaDeadlines {
  return computeDeadlines(
    resolvePolicy(document, request.priority, request.tier),
    request.startedAt,
    request.pauses,
  );
}

export interface PriorityChangeResult {
  readonly deadlines: SlaDeadlines;
  /** Clocks whose new `dueAt` is at or before `now`: breach them at once rather than arming a timer in the past. */
  readonly alreadyDue: readonly SlaClockKind[];
  /** Clocks whose new `warnAt` is at or before `now`. */
  readonly alreadyWarned: readonly SlaClockKind[];
}

/**
 * Deadlines after a priority change (reclassification or escalation). They are computed from the
 * ORIGINAL start with the new policy — the customer has been waiting since then, and restarting
 * the clock would let an escalation push deadlines later. A tighter policy can therefore be
 * overdue already; the result says which clocks.
 */
export function recomputeOnPriorityChange(
  document: PolicyDocument,
  request: DeadlineRequest & { readonly now: Date },
): PriorityChangeResult {
  const deadlines = computeDeadlinesFor(document, request);
  const clocks = Object.values(deadlines.clocks);
  const now = request.now.getTime();
  return {
    deadlines,
    alreadyDue: clocks.filter((c) => c.dueAt.getTime() <= now).map((c) => c.kind),
    alreadyWarned: clocks.filter((c) => c.warnAt.getTime() <= now).map((c) => c.kind),
  };
}

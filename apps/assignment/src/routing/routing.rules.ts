import {
  type AgentTier,
  type Category,
  type CustomerTier,
  type LanguageCode,
  type Presence,
  type Priority,
  PRIORITY_ORDER,
  type Skill,
} from '@relaydesk/contracts';

/** What routing needs to know about an agent. */
export interface RoutableAgent {
  id: string;
  languages: readonly LanguageCode[];
  skills: readonly Skill[];
  capacity: number;
  tier: AgentTier;
  presence: Presence;
  load: number;
  lastAssignedAt: Date | null;
}

/** What routing needs to know about a waiting inquiry. */
export interface RoutableInquiry {
  id: string;
  category: Category;
  priority: Priority;
  language: LanguageCode;
  needsReview: boolean;
  requiresSenior: boolean;
  customerTier: CustomerTier;
  /** Requeued (agent offline, no reply, reassigned, escalated): served ahead of its priority. */
  ahead: boolean;
  /** The language wait is over: an agent speaking the fallback language may take it. */
  languageFallback: boolean;
}

/** Queue of each priority: the waiting line of a priority is one BullMQ queue. */
export function routingQueueName(priority: Priority): string {
  return `routing-${priority}`;
}

export const ROUTING_QUEUES: readonly { priority: Priority; name: string }[] = PRIORITY_ORDER.map(
  (priority) => ({ priority, name: routingQueueName(priority) }),
);

/**
 * BullMQ priority (lower first; equal values are first come first served) of a waiting inquiry within
 * its priority's queue: requeued ones first, then VIP customers, then standard ones.
 */
export function rankWithinPriority(inquiry: Pick<RoutableInquiry, 'ahead' | 'customerTier'>): number {
  if (inquiry.ahead) return 1;
  return inquiry.customerTier === 'vip' ? 2 : 3;
}

/** The skill an agent needs: `triage` when the classifier was unsure, the category otherwise. */
export function requiredSkill(inquiry: Pick<RoutableInquiry, 'needsReview' | 'category'>): Skill {
  return inquiry.needsReview ? 'triage' : inquiry.category;
}

/** The pool an inquiry is served from, e.g. `trading.ja`, `triage.en`, `senior.security.ko`. */
export function poolOf(
  inquiry: Pick<RoutableInquiry, 'needsReview' | 'category' | 'requiresSenior' | 'language'>,
): string {
  return `${inquiry.requiresSenior ? 'senior.' : ''}${requiredSkill(inquiry)}.${inquiry.language}`;
}

export type Match = { eligible: false } | { eligible: true; translationNeeded: boolean };

/** Whether the agent can take the inquiry now (online, skilled, speaking it, senior if needed, under capacity). */
export function matchAgent(
  agent: RoutableAgent,
  inquiry: RoutableInquiry,
  fallbackLanguage: LanguageCode,
): Match {
  if (agent.presence !== 'online' || agent.load >= agent.capacity) return { eligible: false };
  return matchSkills(agent, inquiry, fallbackLanguage);
}

/** The same match without presence and capacity: could this agent ever serve it. */
export function matchSkills(
  agent: Pick<RoutableAgent, 'skills' | 'tier' | 'languages'>,
  inquiry: RoutableInquiry,
  fallbackLanguage: LanguageCode,
): Match {
  if (!agent.skills.includes(requiredSkill(inquiry))) return { eligible: false };
  if (inquiry.requiresSenior && agent.tier !== 'senior') return { eligible: false };
  if (agent.languages.includes(inquiry.language)) return { eligible: true, translationNeeded: false };
  if (inquiry.languageFallback && agent.languages.includes(fallbackLanguage))
    return { eligible: true, translationNeeded: true };
  return { eligible: false };
}

export interface PlannedAssignment {
  inquiryId: string;
  agentId: string;
  pool: string;
  translationNeeded: boolean;
}

/**
 * Greedy matching of inquiries, given in serving order, to agents: each inquiry goes to the best eligible
 * agent with free capacity (one speaking its language before a fallback speaker, then the least loaded
 * relative to capacity, then the one waiting longest since an assignment). An inquiry nobody can take
 * does not hold back the ones behind it. `agents` is not modified.
 */
export function planAssignments(
  inquiries: readonly RoutableInquiry[],
  agents: readonly RoutableAgent[],
  fallbackLanguage: LanguageCode,
): PlannedAssignment[] {
  // Copies whose load the plan raises (one per agent, not one per agent per inquiry).
  const pool = agents.map((agent) => ({ ...agent }));
  const lastAssigned = new Map(agents.map((agent) => [agent.id, agent.lastAssignedAt?.getTime() ?? 0]));
  const plan: PlannedAssignment[] = [];
  let free = agents.reduce(
    (sum, agent) => sum + (agent.presence === 'online' ? Math.max(0, agent.capacity - agent.load) : 0),
    0,
  );
  let tick = Date.now();
  for (const inquiry of inquiries) {
    if (free <= 0) break;
    let best: { agent: RoutableAgent; translationNeeded: boolean } | undefined;
    for (const agent of pool) {
      const match = matchAgent(agent, inquiry, fallbackLanguage);
      if (!match.eligible) continue;
      if (!best || better(agent, match.translationNeeded, best))
        best = { agent, translationNeeded: match.translationNeeded };
    }
    if (!best) continue;
    best.agent.load += 1;
    lastAssigned.set(best.agent.id, ++tick);
    free -= 1;
    plan.push({
      inquiryId: inquiry.id,
      agentId: best.agent.id,
      pool: poolOf(inquiry),
      translationNeeded: best.translationNeeded,
    });
  }
  return plan;

  function better(
    agent: RoutableAgent,
    translationNeeded: boolean,
    best: { agent: RoutableAgent; translationNeeded: boolean },
  ): boolean {
    if (translationNeeded !== best.translationNeeded) return !translationNeeded;
    const ratio = agent.load / agent.capacity;
    const bestRatio = best.agent.load / best.agent.capacity;
    if (ratio !== bestRatio) return ratio < bestRatio;
    const last = lastAssigned.get(agent.id)!;
    const bestLast = lastAssigned.get(best.agent.id)!;
    if (last !== bestLast) return last < bestLast;
    return agent.id < best.agent.id;
  }
}

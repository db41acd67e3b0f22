import type {
  AgentTier,
  Category,
  CustomerTier,
  InquiryStatus,
  Presence,
  Priority,
  Skill,
} from '@relaydesk/contracts';
import type { RoutableAgent, RoutableInquiry } from './routing.rules';

/** An inquiry row as Postgres returns it. */
export interface InquiryRow {
  id: string;
  status: InquiryStatus;
  channel: string | null;
  customer_tier: CustomerTier;
  customer_name: string | null;
  customer_locale: string | null;
  subject: string | null;
  accepted_at: Date | null;
  category: Category | null;
  priority: Priority | null;
  language: string | null;
  needs_review: boolean;
  classification: Record<string, unknown> | null;
  classified_at: Date | null;
  requires_senior: boolean;
  escalation_level: number;
  routing_seq: number;
  waiting_since: Date | null;
  ahead: boolean;
  language_fallback: boolean;
  agent_id: string | null;
  assignment_id: string | null;
  pool: string | null;
  translation_needed: boolean;
  assigned_at: Date | null;
  first_response_at: Date | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  sla: Record<string, unknown> | null;
}

export interface AgentRow {
  id: string;
  name: string;
  languages: string[];
  skills: Skill[];
  capacity: number;
  tier: AgentTier;
  presence: Presence;
  load: number;
  peak_load: number;
  last_assigned_at: Date | null;
}

/** The columns the dispatcher reads of a waiting inquiry (a page of them is read per pass: no more). */
export const ROUTABLE_INQUIRY_COLUMNS =
  'id, category, priority, language, needs_review, requires_senior, customer_tier, ahead, language_fallback, routing_seq, escalation_level';

export type RoutableInquiryRow = Pick<
  InquiryRow,
  | 'id'
  | 'category'
  | 'priority'
  | 'language'
  | 'needs_review'
  | 'requires_senior'
  | 'customer_tier'
  | 'ahead'
  | 'language_fallback'
  | 'routing_seq'
  | 'escalation_level'
>;

/** The columns routing reads of an agent. */
export const ROUTABLE_AGENT_COLUMNS =
  'id, languages, skills, capacity, tier, presence, load, last_assigned_at';

export type RoutableAgentRow = Pick<
  AgentRow,
  'id' | 'languages' | 'skills' | 'capacity' | 'tier' | 'presence' | 'load' | 'last_assigned_at'
>;

/** A classified inquiry row as routing sees it (only classified rows have category, priority and language). */
export function routableInquiry(row: RoutableInquiryRow): RoutableInquiry {
  if (!row.category || !row.priority || !row.language) throw new Error(`inquiry ${row.id} is not classified`);
  return {
    id: row.id,
    category: row.category,
    priority: row.priority,
    language: row.language,
    needsReview: row.needs_review,
    requiresSenior: row.requires_senior,
    customerTier: row.customer_tier,
    ahead: row.ahead,
    languageFallback: row.language_fallback,
  };
}

export function routableAgent(row: RoutableAgentRow): RoutableAgent {
  return {
    id: row.id,
    languages: row.languages,
    skills: row.skills,
    capacity: row.capacity,
    tier: row.tier,
    presence: row.presence,
    load: row.load,
    lastAssignedAt: row.last_assigned_at,
  };
}

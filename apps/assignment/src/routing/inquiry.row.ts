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

/** A classified inquiry row as routing sees it (only classified rows have category, priority and language). */
export function routableInquiry(row: InquiryRow): RoutableInquiry {
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

export function routableAgent(row: AgentRow): RoutableAgent {
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

/**
 * One `as const` catalog per concept. Each exports its values (for runtime schemas) and its type.
 */

export const Channel = { Form: 'form', Email: 'email', Social: 'social', Chat: 'chat' } as const;
export type Channel = (typeof Channel)[keyof typeof Channel];

export const Category = {
  Account: 'account',
  Trading: 'trading',
  DepositWithdrawal: 'deposit_withdrawal',
  Technical: 'technical',
  Security: 'security',
  Compliance: 'compliance',
  Other: 'other',
} as const;
export type Category = (typeof Category)[keyof typeof Category];

/** Ordered from the most to the least urgent. */
export const Priority = { Urgent: 'urgent', High: 'high', Normal: 'normal', Low: 'low' } as const;
export type Priority = (typeof Priority)[keyof typeof Priority];
export const PRIORITY_ORDER: readonly Priority[] = ['urgent', 'high', 'normal', 'low'];

/** Languages the desk ships translations and lexicons for; any ISO 639-1 code is accepted on the wire. */
export const SupportedLanguage = {
  Japanese: 'ja',
  English: 'en',
  Chinese: 'zh',
  Korean: 'ko',
  Spanish: 'es',
  Portuguese: 'pt',
  Turkish: 'tr',
  Russian: 'ru',
  Vietnamese: 'vi',
  French: 'fr',
  German: 'de',
  Indonesian: 'id',
} as const;
export type SupportedLanguage = (typeof SupportedLanguage)[keyof typeof SupportedLanguage];
/** ISO 639-1 code. */
export type LanguageCode = string;

export const InquiryStatus = {
  Received: 'received',
  Classified: 'classified',
  Assigned: 'assigned',
  AwaitingCustomer: 'awaiting_customer',
  Resolved: 'resolved',
} as const;
export type InquiryStatus = (typeof InquiryStatus)[keyof typeof InquiryStatus];

export const CustomerTier = { Standard: 'standard', Vip: 'vip' } as const;
export type CustomerTier = (typeof CustomerTier)[keyof typeof CustomerTier];

export const AgentTier = { Standard: 'standard', Senior: 'senior' } as const;
export type AgentTier = (typeof AgentTier)[keyof typeof AgentTier];

export const AgentRole = { Agent: 'agent', Supervisor: 'supervisor', Admin: 'admin' } as const;
export type AgentRole = (typeof AgentRole)[keyof typeof AgentRole];

export const Presence = { Online: 'online', Away: 'away', Offline: 'offline' } as const;
export type Presence = (typeof Presence)[keyof typeof Presence];

/** Skills an agent can have: every category, plus triage for inquiries the classifier was unsure of. */
export const Skill = { ...Category, Triage: 'triage' } as const;
export type Skill = (typeof Skill)[keyof typeof Skill];

export const RequeueReason = {
  AgentOffline: 'agent_offline',
  NoReply: 'no_reply_timeout',
  Reassigned: 'reassigned',
  Escalated: 'escalated',
} as const;
export type RequeueReason = (typeof RequeueReason)[keyof typeof RequeueReason];

export const EscalationReason = {
  SlaWarning: 'sla_warning',
  SlaBreach: 'sla_breach',
  Manual: 'manual',
} as const;
export type EscalationReason = (typeof EscalationReason)[keyof typeof EscalationReason];

export const SlaClockKind = { FirstResponse: 'first_response', Resolution: 'resolution' } as const;
export type SlaClockKind = (typeof SlaClockKind)[keyof typeof SlaClockKind];

export const SlaClockState = {
  Running: 'running',
  Paused: 'paused',
  Met: 'met',
  Breached: 'breached',
} as const;
export type SlaClockState = (typeof SlaClockState)[keyof typeof SlaClockState];

export const NotificationKind = {
  Acknowledgement: 'acknowledgement',
  Assigned: 'assigned',
  Reply: 'reply',
  Resolved: 'resolved',
  SlaWarning: 'sla_warning',
  SlaBreach: 'sla_breach',
  Escalated: 'escalated',
} as const;
export type NotificationKind = (typeof NotificationKind)[keyof typeof NotificationKind];

export const Recipient = { Customer: 'customer', Agent: 'agent', Supervisor: 'supervisor' } as const;
export type Recipient = (typeof Recipient)[keyof typeof Recipient];

export const DeliveryStatus = { Queued: 'queued', Sent: 'sent', Failed: 'failed' } as const;
export type DeliveryStatus = (typeof DeliveryStatus)[keyof typeof DeliveryStatus];

/** Values of an `as const` catalog as a non-empty tuple, for z.enum(). */
export function valuesOf<T extends Record<string, string>>(catalog: T): [T[keyof T], ...T[keyof T][]] {
  return Object.values(catalog) as [T[keyof T], ...T[keyof T][]];
}

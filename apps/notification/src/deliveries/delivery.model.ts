import type { DeliveryStatus, NotificationKind, Recipient } from '@relaydesk/contracts';
import { createHash } from 'node:crypto';

export type Transport = 'email' | 'webhook';

export const DeliveryQueue = { Email: 'delivery-email', Webhook: 'delivery-webhook' } as const;
export type DeliveryQueue = (typeof DeliveryQueue)[keyof typeof DeliveryQueue];

export function queueOf(transport: Transport): DeliveryQueue {
  return transport === 'email' ? DeliveryQueue.Email : DeliveryQueue.Webhook;
}

/** Where a webhook goes: an adapter's callback, or the agents' chat tool. */
export const AGENT_WEBHOOK_ADDRESS = 'agent-webhook';
export function adapterAddress(adapterId: string): string {
  return `adapter:${adapterId}`;
}

/** What is stored to be sent: an email, or the JSON body of a webhook. */
export type StoredMessage =
  { subject: string; text: string; html: string } | { body: Record<string, unknown> };

export interface DeliveryRow {
  id: string;
  event_id: string;
  inquiry_id: string;
  kind: NotificationKind;
  recipient: Recipient;
  recipient_key: string;
  transport: Transport | null;
  address: string | null;
  channel: string;
  language: string | null;
  status: DeliveryStatus;
  held: boolean;
  variables: Record<string, unknown>;
  message: StoredMessage | null;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
  failed_at: Date | null;
}

/** What an attempt needs of a delivery: the columns a claim returns (not the variables, not the dates). */
export type ClaimedDelivery = Pick<
  DeliveryRow,
  'id' | 'inquiry_id' | 'kind' | 'transport' | 'address' | 'language' | 'message' | 'attempts'
>;

/**
 * The delivery id is a function of (event, recipient, kind): the same event handled twice, by any
 * replica, names the same delivery, and the UNIQUE constraint keeps one. Formatted as a UUID (v5 layout).
 */
export function deliveryId(eventId: string, recipientKey: string, kind: NotificationKind): string {
  const hash = createHash('sha1').update(`${eventId}|${recipientKey}|${kind}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A short reference a customer can quote. */
export function referenceOf(inquiryId: string): string {
  return inquiryId.replace(/-/g, '').slice(0, 8).toUpperCase();
}

export interface DeliveryRef {
  id: string;
  transport: Transport;
  recipient: Recipient;
}

/**
 * BullMQ job priorities within a transport's queue (1 is taken first): what a customer is told goes
 * before staff alerts, so a burst of alerts (an SLA storm, a mass escalation) never delays a customer's
 * acknowledgement or reply by more than the jobs already in hand. Retries keep their job's priority.
 */
export const DeliveryPriority = { Customer: 1, Staff: 2 } as const;

export function priorityOf(recipient: Recipient): number {
  return recipient === 'customer' ? DeliveryPriority.Customer : DeliveryPriority.Staff;
}

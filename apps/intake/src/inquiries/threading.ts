import { InquiryStatus } from '@relaydesk/contracts';
import type { NewInquiry } from './inquiry.dto';

/**
 * Who the customer is for threading: scoped to the adapter (ids of two adapters are unrelated), by the
 * adapter's customer id, else the email (case-insensitive), else the handle. Undefined: no identity,
 * so the message cannot join a thread.
 */
export function customerKey(adapterId: string, customer: NewInquiry['customer']): string | undefined {
  if (customer.id) return `${adapterId}\u001fid\u001f${customer.id}`;
  if (customer.email) return `${adapterId}\u001femail\u001f${customer.email.toLowerCase()}`;
  if (customer.handle) return `${adapterId}\u001fhandle\u001f${customer.handle}`;
  return undefined;
}

export interface ThreadInquiry {
  id: string;
  status: InquiryStatus;
}

export type ThreadDecision =
  | { kind: 'open_new' }
  | { kind: 'add_to'; inquiry: ThreadInquiry }
  | { kind: 'open_linked'; previousInquiryId: string };

/**
 * Where a message goes, given the latest inquiry of its thread (same customer and channel): added to
 * it while it is open, a new inquiry linked to it once it is resolved, a new inquiry when there is none.
 */
export function decideThread(latest: ThreadInquiry | undefined): ThreadDecision {
  if (!latest) return { kind: 'open_new' };
  if (latest.status === InquiryStatus.Resolved) return { kind: 'open_linked', previousInquiryId: latest.id };
  return { kind: 'add_to', inquiry: latest };
}

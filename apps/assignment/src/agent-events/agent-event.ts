import type { Priority, RequeueReason, SlaClockKind } from '@relaydesk/contracts';

/** What an agent's event stream carries (`event:` is `type`). */
export type AgentEvent =
  | {
      type: 'assigned';
      inquiryId: string;
      category: string;
      priority: Priority;
      language: string;
      pool: string;
      translationNeeded: boolean;
      escalationLevel: number;
      assignedAt: string;
    }
  | { type: 'unassigned'; inquiryId: string; reason: RequeueReason; at: string }
  | {
      type: 'follow_up';
      inquiryId: string;
      messageId: string;
      subject?: string;
      body: string;
      receivedAt: string;
    }
  | {
      type: 'sla_warning';
      inquiryId: string;
      clock: SlaClockKind;
      priority: Priority;
      dueAt: string;
      warnAt: string;
    }
  | {
      type: 'escalated';
      inquiryId: string;
      level: number;
      priority: Priority;
      reason: string;
      escalatedAt: string;
    };

export interface AgentNotification {
  agentId: string;
  event: AgentEvent;
}

import { type EventEnvelope, InquiryStatus, Topic } from '@relaydesk/contracts';

/** The inbox consumer of the projection (also recorded by the accept statement for inquiry.received). */
export const TIMELINE_CONSUMER = 'intake-timeline';

/** The events the customer's timeline is built from: every inquiry.* and sla.* event. */
export const TIMELINE_TOPICS = [
  Topic.InquiryReceived,
  Topic.InquiryMessageAdded,
  Topic.InquiryClassified,
  Topic.InquiryAssigned,
  Topic.InquiryRequeued,
  Topic.InquiryResponded,
  Topic.InquiryResolved,
  Topic.InquiryEscalated,
  Topic.SlaDeadlinesSet,
  Topic.SlaWarning,
  Topic.SlaBreached,
] as const;
export type TimelineTopic = (typeof TIMELINE_TOPICS)[number];

export type TimelineEvent = { [T in TimelineTopic]: { topic: T; event: EventEnvelope<T> } }[TimelineTopic];

/** How an event moves the status; `when` guards out-of-order delivery across topics. */
export interface StatusProposal {
  to: InquiryStatus;
  /** only_from: applies only while the status is one of these; newer: applies if not older than the last change. */
  when: { onlyFrom: readonly InquiryStatus[] } | 'newer';
}

/**
 * What one event does to the customer's view. Deliberately narrow: the entry is `{ type, at }` and the
 * fields are what the status page shows; agent ids, reply text and notes never enter the projection.
 */
export interface Projected {
  entry: { type: string; at: string };
  status?: StatusProposal;
  fields: {
    category?: string;
    priority?: string;
    language?: string;
    firstResponseDueAt?: string;
    resolutionDueAt?: string;
  };
}

export function project({ topic, event }: TimelineEvent): Projected {
  const type = event.type;
  switch (topic) {
    case Topic.InquiryReceived:
      return { entry: { type, at: event.payload.acceptedAt }, fields: {} };
    case Topic.InquiryMessageAdded:
      // The customer wrote again: back with the agent if they were waiting on the customer.
      return {
        entry: { type, at: event.payload.acceptedAt },
        status: { to: InquiryStatus.Assigned, when: { onlyFrom: [InquiryStatus.AwaitingCustomer] } },
        fields: {},
      };
    case Topic.InquiryClassified: {
      const { category, priority, language, classifiedAt } = event.payload;
      return {
        entry: { type, at: classifiedAt },
        status: { to: InquiryStatus.Classified, when: { onlyFrom: [InquiryStatus.Received] } },
        fields: { category, priority, language },
      };
    }
    case Topic.InquiryAssigned:
      return {
        entry: { type, at: event.payload.assignedAt },
        status: { to: InquiryStatus.Assigned, when: 'newer' },
        fields: { priority: event.payload.priority },
      };
    case Topic.InquiryRequeued:
      // Waiting for an agent again.
      return {
        entry: { type, at: event.payload.requeuedAt },
        status: { to: InquiryStatus.Classified, when: 'newer' },
        fields: { priority: event.payload.priority },
      };
    case Topic.InquiryResponded:
      return {
        entry: { type, at: event.payload.respondedAt },
        status: { to: InquiryStatus.AwaitingCustomer, when: 'newer' },
        fields: {},
      };
    case Topic.InquiryResolved:
      return {
        entry: { type, at: event.payload.resolvedAt },
        status: { to: InquiryStatus.Resolved, when: 'newer' },
        fields: {},
      };
    case Topic.InquiryEscalated:
      return { entry: { type, at: event.payload.escalatedAt }, fields: { priority: event.payload.priority } };
    case Topic.SlaDeadlinesSet:
      return {
        entry: { type, at: event.payload.setAt },
        fields: {
          priority: event.payload.priority,
          firstResponseDueAt: event.payload.firstResponseDueAt,
          resolutionDueAt: event.payload.resolutionDueAt,
        },
      };
    case Topic.SlaWarning:
      return { entry: { type, at: event.payload.firedAt }, fields: {} };
    case Topic.SlaBreached:
      return { entry: { type, at: event.payload.breachedAt }, fields: {} };
  }
}

/**
 * The status after a proposal. Resolved is final (a late event of another topic cannot reopen it);
 * otherwise events of different topics may arrive out of order, so a status change older than the last
 * one is ignored.
 */
export function nextStatus(
  current: { status: InquiryStatus; at: Date },
  proposal: StatusProposal | undefined,
  at: Date,
): { status: InquiryStatus; at: Date } {
  if (!proposal || current.status === InquiryStatus.Resolved) return current;
  if (proposal.when === 'newer') {
    return at.getTime() >= current.at.getTime() ? { status: proposal.to, at } : current;
  }
  return proposal.when.onlyFrom.includes(current.status)
    ? { status: proposal.to, at: at.getTime() > current.at.getTime() ? at : current.at }
    : current;
}

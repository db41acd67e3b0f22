import { Injectable, Logger } from '@nestjs/common';
import { type InquiryStatus, Topic } from '@relaydesk/contracts';
import { afterCommit, HANDLED, type HandlerOutcome, InboxService } from '@relaydesk/messaging';
import type { EntityManager } from 'typeorm';
import { nextStatus, project, TIMELINE_CONSUMER, type TimelineEvent } from './timeline-projection';
import { TimelineNotifier } from './timeline-notifier.service';
import { type InquiryView, TimelineRepository, type TimelineEntry } from './timeline.repository';
import { trackingTokenMatches } from './tracking-token';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the customer sees: nothing about agents, replies, notes or other customers. */
export interface CustomerStatus {
  inquiryId: string;
  status: InquiryStatus;
  category?: string;
  priority?: string;
  language?: string;
  sla?: { firstResponseDueAt?: string; resolutionDueAt?: string };
  timeline: { type: string; at: string }[];
}

export function entryView(entry: TimelineEntry): { type: string; at: string } {
  return { type: entry.type, at: new Date(entry.at).toISOString() };
}

/** Keeps the customer-status projection from the events, and answers the customer's questions. */
@Injectable()
export class TimelineService {
  private readonly logger = new Logger(TimelineService.name);

  constructor(
    private readonly repository: TimelineRepository,
    private readonly inbox: InboxService,
    private readonly notifier: TimelineNotifier,
  ) {}

  /**
   * Projects one event, once, with its timeline entry committed in the same transaction as the inbox
   * record; the open event streams of the inquiry are woken after the commit.
   */
  async record(timelineEvent: TimelineEvent): Promise<HandlerOutcome> {
    const { event } = timelineEvent;
    // intake's accepting statement projects its own inquiry.received (entry and inbox record) together
    // with the event, so the consumer finds it recorded: checked at once rather than failing its batch.
    const projectedAtSource = timelineEvent.topic === Topic.InquiryReceived;
    const outcome = await this.inbox.handleOnce(
      TIMELINE_CONSUMER,
      event,
      (manager) => this.apply(manager, timelineEvent),
      { usuallyRecorded: projectedAtSource },
    );
    if (
      outcome.outcome === 'skipped' &&
      outcome.reason === 'already processed' &&
      // Its entry was committed with the inquiry itself, before any stream could ask for it.
      !projectedAtSource
    ) {
      // A redelivery, or the repair of an announcement lost after the commit. Never fails the event:
      // streams also catch up when their subscriber reconnects, and with the inquiry's next entry.
      await this.notifier.announce(event.inquiryId).catch((error: unknown) => {
        this.logger.warn(`announcing a timeline entry of ${event.inquiryId} failed: ${String(error)}`);
      });
    }
    return outcome;
  }

  /** The event's entry and the status it leads to, in the consumer's transaction. */
  private async apply(manager: EntityManager, timelineEvent: TimelineEvent): Promise<HandlerOutcome> {
    const { event } = timelineEvent;
    const current = await this.repository.lockStatus(manager, event.inquiryId);
    if (!current) {
      // Another intake's inquiry (a shared topic in another environment), or one that never committed.
      this.logger.warn(`${event.type} for an inquiry intake does not know; skipped`);
      return { outcome: 'skipped', reason: 'unknown inquiry' };
    }
    const projected = project(timelineEvent);
    const status = nextStatus(current, projected.status, new Date(projected.entry.at));
    await this.repository.append(manager, event.inquiryId, event.id, projected, status);
    // A failed publish fails the hook: the consumer handles the event again, finds it recorded and
    // announces again in `record`.
    await afterCommit(() => this.notifier.announce(event.inquiryId));
    return HANDLED;
  }

  /**
   * The inquiry's status for the holder of its tracking token. Undefined (the same 404) for an unknown
   * id and for a token that does not match, so the answer tells nothing about which inquiries exist.
   */
  async authorize(inquiryId: string, token: string): Promise<InquiryView | undefined> {
    if (!UUID.test(inquiryId)) return undefined;
    const inquiry = await this.repository.find(inquiryId);
    return inquiry && trackingTokenMatches(token, inquiry.trackingTokenHash) ? inquiry : undefined;
  }

  async statusOf(inquiryId: string, token: string): Promise<CustomerStatus | undefined> {
    const inquiry = await this.authorize(inquiryId, token);
    if (!inquiry) return undefined;
    const entries = await this.repository.entriesAfter(inquiry.id, 0);
    const sla = {
      ...(inquiry.firstResponseDueAt ? { firstResponseDueAt: inquiry.firstResponseDueAt.toISOString() } : {}),
      ...(inquiry.resolutionDueAt ? { resolutionDueAt: inquiry.resolutionDueAt.toISOString() } : {}),
    };
    return {
      inquiryId: inquiry.id,
      status: inquiry.status,
      ...(inquiry.category ? { category: inquiry.category } : {}),
      ...(inquiry.priority ? { priority: inquiry.priority } : {}),
      ...(inquiry.language ? { language: inquiry.language } : {}),
      ...(Object.keys(sla).length > 0 ? { sla } : {}),
      // By the time things happened; the recording order (the stream's ids) breaks ties.
      timeline: entries
        .sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime() || a.seq - b.seq)
        .map(entryView),
    };
  }
}

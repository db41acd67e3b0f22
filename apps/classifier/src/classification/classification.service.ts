import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Classification, Classifier } from '@relaydesk/classification';
import { type EventEnvelope, Topic } from '@relaydesk/contracts';
import { type HandlerOutcome, HANDLED, InboxService, OutboxService } from '@relaydesk/messaging';
import { counter } from '@relaydesk/runtime';
import type { EntityManager } from 'typeorm';
import { type InquiryRow, InquiryThreadRepository } from './inquiry-thread.repository';
import { classifiedPayload, classifyNew, type InquiryFacts, reclassify } from './thread';
import { CLASSIFIER, CLOCK, type Clock } from './tokens';

const CONSUMER = 'classifier';

/**
 * Classifies inquiries and re-classifies them on follow-ups. Each event is handled once: the thread,
 * the classification log and the inquiry.classified event are written in the inbox's transaction.
 *
 * Ordering: inquiry.received and inquiry.message-added travel on different topics, so a follow-up can
 * arrive first. It is stored, not retried: the transport's retries are bounded, and a received event
 * held up longer than they last would push the follow-up to the dead-letter topic. When
 * inquiry.received arrives, the stored follow-ups are part of the thread it classifies.
 */
@Injectable()
export class ClassificationService {
  private readonly log = new Logger(ClassificationService.name);
  private readonly classified = counter('relaydesk_classifications_total', 'Inquiries classified', [
    'category',
    'priority',
    'reclassification',
  ]);

  constructor(
    private readonly inbox: InboxService,
    private readonly outbox: OutboxService,
    private readonly threads: InquiryThreadRepository,
    @Inject(CLASSIFIER) private readonly classifier: Classifier,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onReceived(event: EventEnvelope<typeof Topic.InquiryReceived>): Promise<HandlerOutcome> {
    const { payload } = event;
    return this.inbox.handleOnce(CONSUMER, event, async (manager) => {
      const inquiry = await this.threads.lock(manager, payload.inquiryId);
      if (inquiry.receivedAt) return { outcome: 'skipped', reason: 'inquiry already received' };
      const facts: InquiryFacts = {
        inquiryId: payload.inquiryId,
        channel: payload.channel,
        customerTier: payload.customer.tier,
        acceptedAt: payload.acceptedAt,
      };
      await this.threads.markReceived(manager, {
        ...facts,
        subject: payload.subject,
        receivedAt: payload.receivedAt,
      });
      await this.threads.addMessage(manager, {
        inquiryId: payload.inquiryId,
        messageId: payload.messageId,
        kind: 'initial',
        subject: payload.subject,
        body: payload.body,
        acceptedAt: payload.acceptedAt,
      });
      const result = classifyNew(this.classifier, await this.threads.thread(manager, payload.inquiryId));
      await this.publish(manager, event.id, facts, result);
      return HANDLED;
    });
  }

  onMessageAdded(event: EventEnvelope<typeof Topic.InquiryMessageAdded>): Promise<HandlerOutcome> {
    const { payload } = event;
    return this.inbox.handleOnce(CONSUMER, event, async (manager) => {
      const inquiry = await this.threads.lock(manager, payload.inquiryId);
      const added = await this.threads.addMessage(manager, {
        inquiryId: payload.inquiryId,
        messageId: payload.messageId,
        kind: 'follow_up',
        subject: payload.subject,
        body: payload.body,
        acceptedAt: payload.acceptedAt,
      });
      if (!added) return { outcome: 'skipped', reason: 'message already in the thread' };
      const facts = factsOf(inquiry);
      if (!facts || !inquiry.lastClassification) {
        this.log.log(`inquiry ${payload.inquiryId}: follow-up before inquiry.received, kept for it`);
        return { outcome: 'skipped', reason: 'stored until inquiry.received arrives' };
      }
      const previous = inquiry.lastClassification;
      const result = reclassify(
        this.classifier,
        previous,
        await this.threads.thread(manager, payload.inquiryId),
      );
      await this.publish(manager, event.id, facts, result, previous);
      return HANDLED;
    });
  }

  private async publish(
    manager: EntityManager,
    causeEventId: string,
    facts: InquiryFacts,
    result: Classification,
    previous?: Classification,
  ): Promise<void> {
    const classifiedAt = this.clock.now();
    const payload = classifiedPayload(facts, result, {
      version: this.classifier.version,
      classifiedAt,
      previous,
    });
    await this.threads.saveClassification(manager, {
      inquiryId: facts.inquiryId,
      causeEventId,
      classifierVersion: this.classifier.version,
      reclassification: payload.reclassification,
      previousPriority: payload.previousPriority,
      result,
      classifiedAt,
    });
    await this.outbox.enqueue(manager, Topic.InquiryClassified, { inquiryId: facts.inquiryId, payload });
    this.classified.inc({
      category: result.category,
      priority: result.priority,
      reclassification: String(payload.reclassification),
    });
    this.log.log(
      `inquiry ${facts.inquiryId} classified ${result.category}/${result.priority}/${result.language}` +
        (previous ? ` (was ${previous.category}/${previous.priority})` : '') +
        (result.needsReview ? ', needs review' : ''),
    );
  }
}

function factsOf(row: InquiryRow): InquiryFacts | undefined {
  if (!row.receivedAt || !row.channel || !row.customerTier || !row.acceptedAt) return undefined;
  return {
    inquiryId: row.id,
    channel: row.channel,
    customerTier: row.customerTier,
    acceptedAt: row.acceptedAt.toISOString(),
  };
}

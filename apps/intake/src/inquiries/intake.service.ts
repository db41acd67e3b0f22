import { Inject, Injectable, Logger } from '@nestjs/common';
import { InquiryStatus, Topic } from '@relaydesk/contracts';
import { OutboxRelay, outboxRow } from '@relaydesk/messaging';
import { APP_CONFIG, counter, enrichContext, seal, unseal } from '@relaydesk/runtime';
import { randomUUID } from 'node:crypto';
import type { IntakeConfig } from '../config';
import { type Clock, CLOCK } from '../shared/clock';
import { project } from '../tracking/timeline-projection';
import { hashTrackingToken, newTrackingToken } from '../tracking/tracking-token';
import type { NewInquiry } from './inquiry.dto';
import { InquiryRepository, type MessageRow, type Queryable } from './inquiry.repository';
import { customerKey, decideThread } from './threading';

export interface AcceptedInquiry {
  /** created: a new inquiry (202); follow_up: added to an open one (202); duplicate: already sent (200). */
  outcome: 'created' | 'follow_up' | 'duplicate';
  inquiryId: string;
  messageId: string;
  trackingToken: string;
  status: InquiryStatus;
  previousInquiryId?: string;
}

/** What every message event says of its message. */
function messageFields(message: MessageRow, input: NewInquiry) {
  return {
    inquiryId: message.inquiryId,
    messageId: message.id,
    adapterId: message.adapterId,
    externalId: message.externalId,
    channel: input.channel,
    subject: input.subject,
    body: input.body,
    receivedAt: message.receivedAt.toISOString(),
    acceptedAt: message.acceptedAt.toISOString(),
  };
}

/**
 * Accepts an adapter's message: dedupe on (adapter, externalId), threads, and the inquiry, its message
 * and its event (an outbox row) committed together. A message without a thread takes one statement; one
 * of a thread takes a transaction (lock, latest inquiry of the thread, one statement).
 */
@Injectable()
export class IntakeService {
  private readonly logger = new Logger(IntakeService.name);
  private readonly accepted = counter('relaydesk_intake_messages_total', 'Adapter messages by outcome', [
    'channel',
    'outcome',
  ]);

  constructor(
    private readonly repository: InquiryRepository,
    private readonly relay: OutboxRelay,
    @Inject(APP_CONFIG) private readonly config: IntakeConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async accept(adapterId: string, input: NewInquiry): Promise<AcceptedInquiry> {
    const acceptedAt = this.clock.now();
    const threadKey = customerKey(adapterId, input.customer);
    const message: MessageRow = {
      id: randomUUID(),
      inquiryId: randomUUID(),
      adapterId,
      externalId: input.externalId,
      channel: input.channel,
      threadId: input.threadId,
      customer: input.customer,
      subject: input.subject,
      body: input.body,
      receivedAt: input.receivedAt ? new Date(input.receivedAt) : acceptedAt,
      acceptedAt,
    };
    const result =
      (input.threadId !== undefined && threadKey !== undefined
        ? await this.acceptInThread(message, input, threadKey, input.threadId)
        : // No thread: one autocommitted statement, no transaction to open.
          await this.open(this.repository.db, message, input, threadKey, undefined)) ??
      (await this.duplicateAnswer(adapterId, input.externalId));
    // The event is committed (outside TypeORM's transactions, so the relay is told here): published now
    // rather than at the relay's next poll.
    if (result.outcome !== 'duplicate') this.relay.wakeUp();
    enrichContext({ inquiryId: result.inquiryId });
    this.accepted.inc({ channel: input.channel, outcome: result.outcome });
    // Ids and the channel only: no addresses, handles or text at info level.
    this.logger.log(`message ${result.outcome} on channel ${input.channel} from adapter ${adapterId}`);
    return result;
  }

  /**
   * A message of a thread: under the thread's lock, added to its open inquiry or opening a new one
   * (linked to the resolved one). Undefined for a duplicate.
   */
  private acceptInThread(
    message: MessageRow,
    input: NewInquiry,
    threadKey: string,
    threadId: string,
  ): Promise<AcceptedInquiry | undefined> {
    return this.repository.transaction(async (client) => {
      await this.repository.lockThread(client, `${threadKey}\u001f${input.channel}\u001f${threadId}`);
      const decision = decideThread(
        await this.repository.latestOfThread(client, threadKey, input.channel, threadId),
      );
      if (decision.kind !== 'add_to') {
        const previous = decision.kind === 'open_linked' ? decision.previousInquiryId : undefined;
        return this.open(client, message, input, threadKey, previous);
      }
      message.inquiryId = decision.inquiry.id;
      const event = outboxRow(Topic.InquiryMessageAdded, {
        inquiryId: message.inquiryId,
        payload: messageFields(message, input),
      });
      const sealed = await this.repository.insertFollowUp(client, message, event);
      if (sealed === undefined) return undefined;
      return {
        outcome: 'follow_up',
        inquiryId: message.inquiryId,
        messageId: message.id,
        trackingToken: unseal(sealed, this.config.TRACKING_TOKEN_KEY),
        status: decision.inquiry.status,
      };
    });
  }

  /** A new inquiry with its first message and event; undefined for a duplicate. */
  private async open(
    db: Queryable,
    message: MessageRow,
    input: NewInquiry,
    threadKey: string | undefined,
    previousInquiryId: string | undefined,
  ): Promise<AcceptedInquiry | undefined> {
    const trackingToken = newTrackingToken();
    const trackingTokenSealed = seal(trackingToken, this.config.TRACKING_TOKEN_KEY);
    const event = outboxRow(Topic.InquiryReceived, {
      inquiryId: message.inquiryId,
      payload: {
        ...messageFields(message, input),
        threadId: input.threadId,
        customer: input.customer,
        previousInquiryId,
        trackingTokenSealed,
      },
    });
    const inserted = await this.repository.insertMessageOpeningInquiry(
      db,
      message,
      {
        id: message.inquiryId,
        adapterId: message.adapterId,
        channel: input.channel,
        customerKey: threadKey,
        threadId: input.threadId,
        previousInquiryId,
        trackingTokenHash: hashTrackingToken(trackingToken),
        trackingTokenSealed,
        acceptedAt: message.acceptedAt,
      },
      event,
      project({ topic: Topic.InquiryReceived, event: event.envelope }).entry,
    );
    if (!inserted) return undefined;
    return {
      outcome: 'created',
      inquiryId: message.inquiryId,
      messageId: message.id,
      trackingToken,
      status: InquiryStatus.Received,
      ...(previousInquiryId ? { previousInquiryId } : {}),
    };
  }

  private async duplicateAnswer(adapterId: string, externalId: string): Promise<AcceptedInquiry> {
    const stored = await this.repository.storedAnswer(adapterId, externalId);
    if (!stored) throw new Error('a duplicate message was not found after its conflict');
    return {
      outcome: 'duplicate',
      inquiryId: stored.inquiryId,
      messageId: stored.messageId,
      trackingToken: unseal(stored.trackingTokenSealed, this.config.TRACKING_TOKEN_KEY),
      status: stored.status,
      ...(stored.previousInquiryId ? { previousInquiryId: stored.previousInquiryId } : {}),
    };
  }
}

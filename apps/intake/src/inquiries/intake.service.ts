import { Inject, Injectable, Logger } from '@nestjs/common';
import { InquiryStatus, Topic } from '@relaydesk/contracts';
import { OutboxService } from '@relaydesk/messaging';
import { APP_CONFIG, counter, enrichContext, seal, unseal } from '@relaydesk/runtime';
import { randomUUID } from 'node:crypto';
import type { IntakeConfig } from '../config';
import { type Clock, CLOCK } from '../shared/clock';
import { hashTrackingToken, newTrackingToken } from '../tracking/tracking-token';
import type { NewInquiry } from './inquiry.dto';
import { InquiryRepository, type MessageRow } from './inquiry.repository';
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

/** Signals, inside the transaction, that the message was already stored: nothing else is written. */
class AlreadyStored extends Error {}

/**
 * Accepts an adapter's message: dedupe on (adapter, externalId), threads, and the inquiry, its message
 * and its event committed together through the outbox.
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
    private readonly outbox: OutboxService,
    @Inject(APP_CONFIG) private readonly config: IntakeConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async accept(adapterId: string, input: NewInquiry): Promise<AcceptedInquiry> {
    const acceptedAt = this.clock.now();
    const threadKey = customerKey(adapterId, input.customer);
    const result = await this.repository.dataSource
      .transaction(async (manager): Promise<AcceptedInquiry> => {
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
        let decision = decideThread(undefined);
        if (input.threadId !== undefined && threadKey !== undefined) {
          const lockKey = `${threadKey}\u001f${input.channel}\u001f${input.threadId}`;
          await this.repository.lockThread(manager, lockKey);
          decision = decideThread(
            await this.repository.latestOfThread(manager, threadKey, input.channel, input.threadId),
          );
        }
        const times = { receivedAt: message.receivedAt.toISOString(), acceptedAt: acceptedAt.toISOString() };
        if (decision.kind === 'add_to') {
          message.inquiryId = decision.inquiry.id;
          if (!(await this.repository.insertFollowUp(manager, message))) throw new AlreadyStored();
          await this.outbox.enqueue(manager, Topic.InquiryMessageAdded, {
            inquiryId: message.inquiryId,
            payload: {
              inquiryId: message.inquiryId,
              messageId: message.id,
              adapterId,
              externalId: input.externalId,
              channel: input.channel,
              subject: input.subject,
              body: input.body,
              ...times,
            },
          });
          const sealed = await this.repository.sealedTokenOf(manager, message.inquiryId);
          return {
            outcome: 'follow_up',
            inquiryId: message.inquiryId,
            messageId: message.id,
            trackingToken: unseal(sealed, this.config.TRACKING_TOKEN_KEY),
            status: decision.inquiry.status,
          };
        }
        const trackingToken = newTrackingToken();
        const trackingTokenSealed = seal(trackingToken, this.config.TRACKING_TOKEN_KEY);
        const previousInquiryId = decision.kind === 'open_linked' ? decision.previousInquiryId : undefined;
        const inserted = await this.repository.insertMessageOpeningInquiry(manager, message, {
          id: message.inquiryId,
          adapterId,
          channel: input.channel,
          customerKey: threadKey,
          threadId: input.threadId,
          previousInquiryId,
          trackingTokenHash: hashTrackingToken(trackingToken),
          trackingTokenSealed,
          acceptedAt,
        });
        if (!inserted) throw new AlreadyStored();
        await this.outbox.enqueue(manager, Topic.InquiryReceived, {
          inquiryId: message.inquiryId,
          payload: {
            inquiryId: message.inquiryId,
            messageId: message.id,
            adapterId,
            externalId: input.externalId,
            channel: input.channel,
            threadId: input.threadId,
            customer: input.customer,
            subject: input.subject,
            body: input.body,
            ...times,
            previousInquiryId,
            trackingTokenSealed,
          },
        });
        return {
          outcome: 'created',
          inquiryId: message.inquiryId,
          messageId: message.id,
          trackingToken,
          status: InquiryStatus.Received,
          ...(previousInquiryId ? { previousInquiryId } : {}),
        };
      })
      .catch(async (error: unknown) => {
        if (!(error instanceof AlreadyStored)) throw error;
        return this.duplicateAnswer(adapterId, input.externalId);
      });
    enrichContext({ inquiryId: result.inquiryId });
    this.accepted.inc({ channel: input.channel, outcome: result.outcome });
    // Ids and the channel only: no addresses, handles or text at info level.
    this.logger.log(`message ${result.outcome} on channel ${input.channel} from adapter ${adapterId}`);
    return result;
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

import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type EventEnvelope, Topic } from '@relaydesk/contracts';
import type { EventContext, HandlerOutcome } from '@relaydesk/messaging';
import { ClassificationService } from './classification.service';

/** Thin edge: the transport has validated the envelope; the service does the work once per event. */
@Controller()
export class ClassificationConsumer {
  constructor(private readonly classification: ClassificationService) {}

  @EventPattern(Topic.InquiryReceived)
  onReceived(
    @Payload() event: EventEnvelope<typeof Topic.InquiryReceived>,
    @Ctx() _context: EventContext,
  ): Promise<HandlerOutcome> {
    return this.classification.onReceived(event);
  }

  @EventPattern(Topic.InquiryMessageAdded)
  onMessageAdded(
    @Payload() event: EventEnvelope<typeof Topic.InquiryMessageAdded>,
    @Ctx() _context: EventContext,
  ): Promise<HandlerOutcome> {
    return this.classification.onMessageAdded(event);
  }
}

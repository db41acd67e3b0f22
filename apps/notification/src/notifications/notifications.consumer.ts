import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { type EventEnvelope, Topic } from '@relaydesk/contracts';
import type { HandlerOutcome } from '@relaydesk/messaging';
import { NotificationsService } from './notifications.service';

/** The events that make someone worth telling. Each handler is idempotent (inbox) and thin. */
@Controller()
export class NotificationsConsumer {
  constructor(private readonly notifications: NotificationsService) {}

  @EventPattern(Topic.InquiryReceived)
  received(@Payload() event: EventEnvelope<typeof Topic.InquiryReceived>): Promise<HandlerOutcome> {
    return this.notifications.onReceived(event);
  }

  @EventPattern(Topic.InquiryClassified)
  classified(@Payload() event: EventEnvelope<typeof Topic.InquiryClassified>): Promise<HandlerOutcome> {
    return this.notifications.onClassified(event);
  }

  @EventPattern(Topic.SlaDeadlinesSet)
  deadlinesSet(@Payload() event: EventEnvelope<typeof Topic.SlaDeadlinesSet>): Promise<HandlerOutcome> {
    return this.notifications.onDeadlinesSet(event);
  }

  @EventPattern(Topic.InquiryAssigned)
  assigned(@Payload() event: EventEnvelope<typeof Topic.InquiryAssigned>): Promise<HandlerOutcome> {
    return this.notifications.onAssigned(event);
  }

  @EventPattern(Topic.InquiryResponded)
  responded(@Payload() event: EventEnvelope<typeof Topic.InquiryResponded>): Promise<HandlerOutcome> {
    return this.notifications.onResponded(event);
  }

  @EventPattern(Topic.InquiryResolved)
  resolved(@Payload() event: EventEnvelope<typeof Topic.InquiryResolved>): Promise<HandlerOutcome> {
    return this.notifications.onResolved(event);
  }

  @EventPattern(Topic.SlaWarning)
  slaWarning(@Payload() event: EventEnvelope<typeof Topic.SlaWarning>): Promise<HandlerOutcome> {
    return this.notifications.onSlaWarning(event);
  }

  @EventPattern(Topic.SlaBreached)
  slaBreached(@Payload() event: EventEnvelope<typeof Topic.SlaBreached>): Promise<HandlerOutcome> {
    return this.notifications.onSlaBreached(event);
  }

  @EventPattern(Topic.InquiryEscalated)
  escalated(@Payload() event: EventEnvelope<typeof Topic.InquiryEscalated>): Promise<HandlerOutcome> {
    return this.notifications.onEscalated(event);
  }
}

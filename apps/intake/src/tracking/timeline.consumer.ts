import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { type EventEnvelope, Topic } from '@relaydesk/contracts';
import type { HandlerOutcome } from '@relaydesk/messaging';
import { TimelineService } from './timeline.service';

/** Every inquiry.* and sla.* event, into the customer's status and timeline (idempotent per event). */
@Controller()
export class TimelineConsumer {
  constructor(private readonly timeline: TimelineService) {}

  @EventPattern(Topic.InquiryReceived)
  onReceived(@Payload() event: EventEnvelope<typeof Topic.InquiryReceived>): Promise<HandlerOutcome> {
    return this.timeline.record({ topic: Topic.InquiryReceived, event });
  }

  @EventPattern(Topic.InquiryMessageAdded)
  onMessageAdded(@Payload() event: EventEnvelope<typeof Topic.InquiryMessageAdded>): Promise<HandlerOutcome> {
    return this.timeline.record({ topic: Topic.InquiryMessageAdded, event });
  }

  @EventPattern(Topic.InquiryClassified)
  onClassified(@Payload() event: EventEnvelope<typeof Topic.InquiryClassified>): Promise<HandlerOutcome> {
    return this.timeline.record({ topic: Topic.InquiryClassified, event });
  }

  @EventPattern(Topic.InquiryAssigned)
  onAssigned(@Payload() event: EventEnvelope<typeof Topic.InquiryAssigned>): Promise<HandlerOutcome> {
    return this.timeline.record({ topic: Topic.InquiryAssigned, event });
  }

  @EventPattern(Topic.InquiryRequeued)
  onRequeued(@Payload() event: EventEnvelope<typeof Topic.InquiryRequeued>): Promise<HandlerOutcome> {
    return this.timeline.record({ topic: Topic.InquiryRequeued, event });
  }

  @EventPattern(Topic.InquiryResponded)
  onResponded(@Payload() event: EventEnvelope<typeof Topic.InquiryResponded>): Promise<HandlerOutcome> {
    return this.timeline.record({ topic: Topic.InquiryResponded, event });
  }

  @EventPattern(Topic.InquiryResolved)
  onResolved(@Payload() event: EventEnvelope<typeof Topic.InquiryResolved>): Promise<HandlerOutcome> {
    return this.timeline.record({ topic: Topic.InquiryResolved, event });
  }

  @EventPattern(Topic.InquiryEscalated)
  onEscalated(@Payload() event: EventEnvelope<typeof Topic.InquiryEscalated>): Promise<HandlerOutcome> {
    return this.timeline.record({ topic: Topic.InquiryEscalated, event });
  }

  @EventPattern(Topic.SlaDeadlinesSet)
  onDeadlinesSet(@Payload() event: EventEnvelope<typeof Topic.SlaDeadlinesSet>): Promise<HandlerOutcome> {
    return this.timeline.record({ topic: Topic.SlaDeadlinesSet, event });
  }

  @EventPattern(Topic.SlaWarning)
  onSlaWarning(@Payload() event: EventEnvelope<typeof Topic.SlaWarning>): Promise<HandlerOutcome> {
    return this.timeline.record({ topic: Topic.SlaWarning, event });
  }

  @EventPattern(Topic.SlaBreached)
  onSlaBreached(@Payload() event: EventEnvelope<typeof Topic.SlaBreached>): Promise<HandlerOutcome> {
    return this.timeline.record({ topic: Topic.SlaBreached, event });
  }
}

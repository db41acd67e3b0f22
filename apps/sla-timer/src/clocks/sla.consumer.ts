import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { type EventEnvelope, Topic } from '@relaydesk/contracts';
import type { HandlerOutcome } from '@relaydesk/messaging';
import { SlaService } from './sla.service';

/** The inquiry events that start, stop, pause, resume and recompute SLA clocks. */
@Controller()
export class SlaConsumer {
  constructor(private readonly sla: SlaService) {}

  @EventPattern(Topic.InquiryClassified)
  classified(@Payload() event: EventEnvelope<typeof Topic.InquiryClassified>): Promise<HandlerOutcome> {
    return this.sla.onClassified(event);
  }

  @EventPattern(Topic.InquiryResponded)
  responded(@Payload() event: EventEnvelope<typeof Topic.InquiryResponded>): Promise<HandlerOutcome> {
    return this.sla.onResponded(event);
  }

  @EventPattern(Topic.InquiryMessageAdded)
  messageAdded(@Payload() event: EventEnvelope<typeof Topic.InquiryMessageAdded>): Promise<HandlerOutcome> {
    return this.sla.onCustomerMessage(event);
  }

  @EventPattern(Topic.InquiryResolved)
  resolved(@Payload() event: EventEnvelope<typeof Topic.InquiryResolved>): Promise<HandlerOutcome> {
    return this.sla.onResolved(event);
  }

  @EventPattern(Topic.InquiryEscalated)
  escalated(@Payload() event: EventEnvelope<typeof Topic.InquiryEscalated>): Promise<HandlerOutcome> {
    return this.sla.onEscalated(event);
  }
}

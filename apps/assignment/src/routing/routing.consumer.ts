import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { type EventEnvelope, Topic } from '@relaydesk/contracts';
import { afterCommit, afterCommitTogether, type HandlerOutcome, InboxService } from '@relaydesk/messaging';
import type { EntityManager } from 'typeorm';
import { Effects, EffectsRunner } from './effects';
import { RoutingService } from './routing.service';

const CONSUMER = 'assignment-routing';

/** What routing consumes. Each event is handled once (inbox); Redis effects follow the commit. */
@Controller()
export class RoutingConsumer {
  constructor(
    private readonly inbox: InboxService,
    private readonly routing: RoutingService,
    private readonly effects: EffectsRunner,
  ) {}

  private async handle(
    event: EventEnvelope,
    work: (manager: EntityManager, effects: Effects) => Promise<HandlerOutcome>,
  ): Promise<HandlerOutcome> {
    let effects = new Effects();
    const outcome = await this.inbox.handleOnce(CONSUMER, event, (manager) => {
      effects = new Effects();
      return work(manager, effects);
    });
    // The events of a consumer batch share a transaction: their Redis effects are applied together.
    if (outcome.outcome === 'handled') await afterCommitTogether(this.effects.together, effects);
    // A redelivery after a failure between commit and effects: rebuild the inquiry's Redis state.
    else if (outcome.reason === 'already processed')
      await afterCommit(() => this.routing.reconcile(event.inquiryId));
    return outcome;
  }

  @EventPattern(Topic.InquiryReceived)
  onReceived(@Payload() event: EventEnvelope<typeof Topic.InquiryReceived>): Promise<HandlerOutcome> {
    return this.handle(event, (manager) => this.routing.onReceived(manager, event.payload));
  }

  @EventPattern(Topic.InquiryMessageAdded)
  onMessageAdded(@Payload() event: EventEnvelope<typeof Topic.InquiryMessageAdded>): Promise<HandlerOutcome> {
    return this.handle(event, (manager, effects) =>
      this.routing.onMessageAdded(manager, event.payload, effects),
    );
  }

  @EventPattern(Topic.InquiryClassified)
  onClassified(@Payload() event: EventEnvelope<typeof Topic.InquiryClassified>): Promise<HandlerOutcome> {
    return this.handle(event, (manager, effects) =>
      this.routing.onClassified(manager, event.payload, effects),
    );
  }

  @EventPattern(Topic.InquiryEscalated)
  onEscalated(@Payload() event: EventEnvelope<typeof Topic.InquiryEscalated>): Promise<HandlerOutcome> {
    return this.handle(event, (manager, effects) =>
      this.routing.onEscalated(manager, event.payload, effects),
    );
  }

  @EventPattern(Topic.SlaDeadlinesSet)
  onDeadlinesSet(@Payload() event: EventEnvelope<typeof Topic.SlaDeadlinesSet>): Promise<HandlerOutcome> {
    return this.handle(event, (manager) => this.routing.onDeadlinesSet(manager, event.payload));
  }

  @EventPattern(Topic.SlaWarning)
  onSlaWarning(@Payload() event: EventEnvelope<typeof Topic.SlaWarning>): Promise<HandlerOutcome> {
    return this.handle(event, (manager, effects) =>
      this.routing.onSlaWarning(manager, event.payload, effects),
    );
  }
}

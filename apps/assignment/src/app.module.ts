import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Topic } from '@relaydesk/contracts';
import { MessagingModule, MessagingTables1764000000000 } from '@relaydesk/messaging';
import { DatabaseModule, RedisModule } from '@relaydesk/persistence';
import { AgentAuthModule, RuntimeModule } from '@relaydesk/runtime';
import { AgentEventsController } from './agent-events/agent-events.controller';
import { AgentEventsService } from './agent-events/agent-events.service';
import { AgentsController } from './agents/agents.controller';
import { AgentsService } from './agents/agents.service';
import { CLOCK, systemClock } from './common/clock';
import { DomainErrorFilter } from './common/domain-error';
import { Tables } from './common/tables';
import type { AssignmentConfig } from './config';
import { InquiriesController } from './inquiries/inquiries.controller';
import { InquiriesService } from './inquiries/inquiries.service';
import { AssignmentTables1764100000000 } from './migrations/1764100000000-assignment-tables';
import { DispatchService } from './routing/dispatch.service';
import { EffectsRunner } from './routing/effects';
import { RoutingConsumer } from './routing/routing.consumer';
import { RoutingTimers } from './routing/routing-timers';
import { RoutingTimersProcessor } from './routing/routing-timers.processor';
import { RoutingService } from './routing/routing.service';
import { WaitingLine } from './routing/waiting-line';

@Module({})
export class AppModule {
  static forRoot(config: AssignmentConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.forRoot(config),
        DatabaseModule.forRoot({
          entities: [],
          migrations: [MessagingTables1764000000000, AssignmentTables1764100000000],
        }),
        RedisModule.forRoot(),
        MessagingModule.forRoot({
          produces: [
            Topic.InquiryAssigned,
            Topic.InquiryRequeued,
            Topic.InquiryResponded,
            Topic.InquiryResolved,
          ],
        }),
        AgentAuthModule.forRoot(config.AGENT_JWT_SECRET),
      ],
      controllers: [AgentsController, AgentEventsController, InquiriesController, RoutingConsumer],
      providers: [
        { provide: CLOCK, useValue: systemClock },
        { provide: APP_FILTER, useClass: DomainErrorFilter },
        Tables,
        WaitingLine,
        RoutingTimers,
        AgentEventsService,
        DispatchService,
        EffectsRunner,
        RoutingService,
        RoutingTimersProcessor,
        AgentsService,
        InquiriesService,
      ],
    };
  }
}

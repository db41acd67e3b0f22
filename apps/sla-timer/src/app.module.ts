import { type DynamicModule, Module } from '@nestjs/common';
import { Topic } from '@relaydesk/contracts';
import { MessagingModule, MessagingTables1764000000000 } from '@relaydesk/messaging';
import { DatabaseModule, RedisModule } from '@relaydesk/persistence';
import { AgentAuthModule, RuntimeModule } from '@relaydesk/runtime';
import { InquirySlaEntity, SlaClockEntity } from './clocks/inquiry-sla.entity';
import { SlaConsumer } from './clocks/sla.consumer';
import { SlaController } from './clocks/sla.controller';
import { SlaRepository } from './clocks/sla.repository';
import { SlaService } from './clocks/sla.service';
import type { SlaTimerConfig } from './config';
import { SlaTables1764200000000 } from './migrations/1764200000000-sla-tables';
import { PoliciesController } from './policies/policies.controller';
import { PolicyVersionEntity } from './policies/policy-version.entity';
import { PolicyStore } from './policies/policy.store';
import { type Clock, CLOCK, systemClock } from './time/clock';
import { DeadlineProcessor } from './timers/deadline.processor';
import { DeadlineTimers } from './timers/deadline.timers';
import { RearmService } from './timers/rearm.service';

export interface SlaTimerModuleOptions {
  /** Tests pass a clock they move; the service uses the system clock. */
  clock?: Clock;
}

@Module({})
export class AppModule {
  static forRoot(config: SlaTimerConfig, options: SlaTimerModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.forRoot(config),
        DatabaseModule.forRoot({
          entities: [PolicyVersionEntity, InquirySlaEntity, SlaClockEntity],
          migrations: [MessagingTables1764000000000, SlaTables1764200000000],
        }),
        RedisModule.forRoot(),
        MessagingModule.forRoot({
          produces: [Topic.SlaDeadlinesSet, Topic.SlaWarning, Topic.SlaBreached, Topic.InquiryEscalated],
        }),
        AgentAuthModule.forRoot(config.AGENT_JWT_SECRET),
      ],
      controllers: [PoliciesController, SlaController, SlaConsumer],
      providers: [
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        PolicyStore,
        SlaRepository,
        SlaService,
        DeadlineTimers,
        DeadlineProcessor,
        RearmService,
      ],
    };
  }
}

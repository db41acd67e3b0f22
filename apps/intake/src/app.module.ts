import { type DynamicModule, Global, Module } from '@nestjs/common';
import { Topic } from '@relaydesk/contracts';
import { MessagingModule, MessagingTables1764000000000 } from '@relaydesk/messaging';
import { DatabaseModule, RedisModule } from '@relaydesk/persistence';
import { RuntimeModule } from '@relaydesk/runtime';
import type { IntakeConfig } from './config';
import { InquiriesModule } from './inquiries/inquiries.module';
import { IntakeTables1764100000000 } from './migrations/1764100000000-intake-tables';
import { TrackingModule } from './tracking/tracking.module';
import { type Clock, CLOCK, systemClock } from './shared/clock';

@Global()
@Module({})
class ClockModule {
  static forRoot(clock: Clock): DynamicModule {
    return { module: ClockModule, providers: [{ provide: CLOCK, useValue: clock }], exports: [CLOCK] };
  }
}

@Module({})
export class AppModule {
  static forRoot(config: IntakeConfig, options: { clock?: Clock } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.forRoot(config),
        ClockModule.forRoot(options.clock ?? systemClock),
        DatabaseModule.forRoot({
          entities: [],
          migrations: [MessagingTables1764000000000, IntakeTables1764100000000],
        }),
        RedisModule.forRoot(),
        MessagingModule.forRoot({ produces: [Topic.InquiryReceived, Topic.InquiryMessageAdded] }),
        InquiriesModule,
        TrackingModule,
      ],
    };
  }
}

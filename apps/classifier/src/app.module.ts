import { type DynamicModule, Module } from '@nestjs/common';
import { MessagingModule, MessagingTables1764000000000 } from '@relaydesk/messaging';
import { DatabaseModule, RedisModule } from '@relaydesk/persistence';
import { RuntimeModule } from '@relaydesk/runtime';
import type { ClassifierConfig } from './config';

@Module({})
export class AppModule {
  static forRoot(config: ClassifierConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.forRoot(config),
        DatabaseModule.forRoot({ entities: [], migrations: [MessagingTables1764000000000] }),
        RedisModule.forRoot(),
        MessagingModule.forRoot({ produces: [] }),
      ],
    };
  }
}

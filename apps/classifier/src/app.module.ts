import { type DynamicModule, Module } from '@nestjs/common';
import { Topic } from '@relaydesk/contracts';
import { MessagingModule, MessagingTables1764000000000 } from '@relaydesk/messaging';
import { DatabaseModule, RedisModule } from '@relaydesk/persistence';
import { RuntimeModule } from '@relaydesk/runtime';
import { ClassificationModule } from './classification/classification.module';
import type { ClassifierConfig } from './config';
import { ClassifierTables1764100000000 } from './migrations/1764100000000-classifier-tables';

@Module({})
export class AppModule {
  static forRoot(config: ClassifierConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.forRoot(config),
        DatabaseModule.forRoot({
          entities: [],
          migrations: [MessagingTables1764000000000, ClassifierTables1764100000000],
        }),
        RedisModule.forRoot(),
        MessagingModule.forRoot({ produces: [Topic.InquiryClassified] }),
        ClassificationModule.forRoot({ reviewThreshold: config.CLASSIFIER_REVIEW_THRESHOLD }),
      ],
    };
  }
}

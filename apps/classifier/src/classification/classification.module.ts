import { type DynamicModule, Module } from '@nestjs/common';
import { createClassifier } from '@relaydesk/classification';
import { ClassificationConsumer } from './classification.consumer';
import { ClassificationService } from './classification.service';
import { InquiryThreadRepository } from './inquiry-thread.repository';
import { CLASSIFIER, CLOCK, type Clock } from './tokens';

export interface ClassificationModuleOptions {
  reviewThreshold: number;
}

@Module({})
export class ClassificationModule {
  static forRoot(options: ClassificationModuleOptions): DynamicModule {
    return {
      module: ClassificationModule,
      controllers: [ClassificationConsumer],
      providers: [
        // Built once at start (lexicons compiled, article indexes built); classifying is then synchronous.
        {
          provide: CLASSIFIER,
          useFactory: () => createClassifier({ reviewThreshold: options.reviewThreshold }),
        },
        { provide: CLOCK, useValue: { now: () => new Date() } satisfies Clock },
        InquiryThreadRepository,
        ClassificationService,
      ],
    };
  }
}

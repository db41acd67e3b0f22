import { type DynamicModule, Inject, Module, type OnModuleInit } from '@nestjs/common';
import type { Topic } from '@relaydesk/contracts';
import { APP_CONFIG, ReadinessRegistry } from '@relaydesk/runtime';
import type { Kafka } from 'kafkajs';
import { EventProducer } from './event.producer';
import { InboxService } from './inbox.service';
import { createKafka } from './kafka.client';
import { KafkaEventServer } from './kafka-event.server';
import type { MessagingConfig } from './messaging.config';
import { OutboxRelay } from './outbox.relay';
import { OutboxService } from './outbox.service';
import { KAFKA } from './tokens';
import { TopicAdmin } from './topic.admin';

export interface MessagingModuleOptions {
  /** Topics this service publishes: created at start with the configured partitions. */
  produces: readonly Topic[];
}

const PRODUCED_TOPICS = Symbol('PRODUCED_TOPICS');

/**
 * Kafka for a service: the consumer transport (`KafkaEventServer`), the outbox and its relay, the
 * idempotency inbox, topic creation and a readiness check. Needs DatabaseModule (the outbox and inbox
 * live in the service's schema).
 */
@Module({})
export class MessagingModule implements OnModuleInit {
  constructor(
    private readonly topics: TopicAdmin,
    private readonly readiness: ReadinessRegistry,
    @Inject(PRODUCED_TOPICS) private readonly produced: readonly Topic[],
  ) {}

  static forRoot(options: MessagingModuleOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        {
          provide: KAFKA,
          inject: [APP_CONFIG],
          useFactory: (config: MessagingConfig): Kafka => createKafka(config),
        },
        { provide: PRODUCED_TOPICS, useValue: options.produces },
        TopicAdmin,
        EventProducer,
        OutboxService,
        OutboxRelay,
        InboxService,
        KafkaEventServer,
      ],
      exports: [KAFKA, TopicAdmin, EventProducer, OutboxService, OutboxRelay, InboxService, KafkaEventServer],
    };
  }

  async onModuleInit(): Promise<void> {
    await this.topics.ensureTopics(this.produced, { withDeadLetters: false });
    this.readiness.register('kafka', async () => {
      const admin = await this.topics.client();
      await admin.describeCluster();
    });
  }
}

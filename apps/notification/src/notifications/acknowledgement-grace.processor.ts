import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { createRedis } from '@relaydesk/persistence';
import { APP_CONFIG } from '@relaydesk/runtime';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { NotificationConfig } from '../config';
import { ACKNOWLEDGEMENT_GRACE_QUEUE, type AcknowledgementGraceJob } from '../deliveries/delivery.queues';
import { NotificationsService } from './notifications.service';

/** Fires the acknowledgement of an inquiry whose classification or deadlines did not come in time. */
@Injectable()
export class AcknowledgementGraceProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(AcknowledgementGraceProcessor.name);
  private worker?: Worker<AcknowledgementGraceJob>;
  private connection?: Redis;

  constructor(
    @Inject(APP_CONFIG) private readonly config: NotificationConfig,
    private readonly notifications: NotificationsService,
  ) {}

  onApplicationBootstrap(): void {
    // The HTTP app and its connected Kafka microservice both run bootstrap hooks: start once.
    if (this.worker) return;
    this.connection = createRedis(this.config.REDIS_URL);
    this.worker = new Worker<AcknowledgementGraceJob>(
      ACKNOWLEDGEMENT_GRACE_QUEUE,
      (job) => this.notifications.acknowledgeAfterGrace(job.data.inquiryId),
      { connection: this.connection, prefix: this.config.REDIS_KEY_PREFIX, concurrency: 5 },
    );
    this.worker.on('error', (error) => this.log.error(`grace worker: ${error.message}`));
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
    await this.connection?.quit().catch(() => this.connection?.disconnect());
  }
}

import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { createRedis } from '@relaydesk/persistence';
import { APP_CONFIG, ReadinessRegistry } from '@relaydesk/runtime';
import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import type { NotificationConfig } from '../config';
import { RecipientsRepository } from '../recipients/recipients.repository';
import { backoffDelay } from './backoff';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveryQueue } from './delivery.model';
import { DeliveryProcessor } from './delivery.processor';
import { DeliveryQueues, type SendDeliveryJob } from './delivery.queues';

/**
 * The workers of the two delivery queues (each with its own rate limit and concurrency), and the
 * sweeper that enqueues queued deliveries that have no job — at start, then every
 * DELIVERY_SWEEP_INTERVAL_MS — so a crash between a commit and its enqueue loses nothing.
 */
@Injectable()
export class DeliveryWorkers implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger(DeliveryWorkers.name);
  private readonly workers: Worker<SendDeliveryJob>[] = [];
  private readonly connections: Redis[] = [];
  private sweepTimer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: NotificationConfig,
    private readonly dataSource: DataSource,
    private readonly queues: DeliveryQueues,
    private readonly processor: DeliveryProcessor,
    private readonly deliveries: DeliveriesRepository,
    private readonly recipients: RecipientsRepository,
    private readonly readiness: ReadinessRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The HTTP app and its connected Kafka microservice both run bootstrap hooks: start once.
    if (this.workers.length > 0) return;
    const lanes = [
      {
        queue: DeliveryQueue.Email,
        rate: this.config.EMAIL_RATE_PER_SECOND,
        concurrency: this.config.EMAIL_CONCURRENCY,
      },
      {
        queue: DeliveryQueue.Webhook,
        rate: this.config.WEBHOOK_RATE_PER_SECOND,
        concurrency: this.config.WEBHOOK_CONCURRENCY,
      },
    ];
    for (const lane of lanes) {
      const connection = createRedis(this.config.REDIS_URL);
      this.connections.push(connection);
      const worker = new Worker<SendDeliveryJob>(lane.queue, (job) => this.run(job.data.deliveryId), {
        connection,
        prefix: this.config.REDIS_KEY_PREFIX,
        concurrency: lane.concurrency,
        limiter: { max: lane.rate, duration: 1000 },
        settings: {
          backoffStrategy: (attemptsMade: number) =>
            backoffDelay(
              attemptsMade,
              this.config.DELIVERY_BACKOFF_BASE_MS,
              this.config.DELIVERY_BACKOFF_MAX_MS,
            ),
        },
      });
      worker.on('error', (error) => this.log.error(`${lane.queue} worker: ${error.message}`));
      this.workers.push(worker);
    }
    this.readiness.register('bullmq', async () => {
      const answer = await this.queues.connection.ping();
      if (answer !== 'PONG') throw new Error(`unexpected answer ${String(answer)}`);
    });
    await this.sweep(0);
    this.sweepTimer = setInterval(() => {
      this.sweeping ??= this.sweep(this.config.DELIVERY_SWEEP_INTERVAL_MS)
        .catch((error: unknown) => this.log.warn(`sweep failed: ${String(error)}`))
        .finally(() => (this.sweeping = undefined));
    }, this.config.DELIVERY_SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  private async run(deliveryId: string): Promise<string> {
    const result = await this.processor.attempt(deliveryId);
    switch (result.outcome) {
      case 'sent':
        return 'sent';
      case 'skipped':
        return `skipped: ${result.reason}`;
      case 'retry':
        throw new Error(result.error);
      case 'failed':
        throw new UnrecoverableError(result.error);
    }
  }

  /** Enqueues deliveries still queued `olderThanMs` after their creation, and re-arms grace timers. */
  async sweep(olderThanMs: number): Promise<void> {
    let afterId = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const pending = await this.deliveries.pending(this.dataSource.manager, olderThanMs, afterId, 1000);
      if (pending.length > 0) await this.queues.enqueue(pending);
      if (pending.length < 1000) break;
      afterId = pending[pending.length - 1].id;
    }
    const waiting = await this.recipients.awaitingAcknowledgement(this.dataSource.manager, 10_000);
    for (const { inquiry_id, received_at } of waiting) {
      const due = new Date(received_at).getTime() + this.config.ACK_GRACE_MS - Date.now();
      await this.queues.armGrace(inquiry_id, due);
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.sweeping;
    // close() lets the jobs in hand finish (and record their outcome) before the database goes away.
    await Promise.all(this.workers.map((worker) => worker.close()));
    await Promise.all(
      this.connections.map((connection) => connection.quit().catch(() => connection.disconnect())),
    );
  }
}

import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { createRedis } from '@relaydesk/persistence';
import { APP_CONFIG, runInContext } from '@relaydesk/runtime';
import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AssignmentConfig } from '../config';
import { type LanguageFallbackJob, type NoReplyTimeoutJob, ROUTING_TIMERS_QUEUE } from './routing-timers';
import { RoutingService } from './routing.service';

/** Fires the routing timers (language fallback, no reply) on whichever replica's worker takes them. */
@Injectable()
export class RoutingTimersProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RoutingTimersProcessor.name);
  private worker?: Worker;
  private connection?: Redis;

  constructor(
    private readonly routing: RoutingService,
    @Inject(APP_CONFIG) private readonly config: AssignmentConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.connection = createRedis(this.config.REDIS_URL);
    this.worker = new Worker(ROUTING_TIMERS_QUEUE, (job) => this.process(job), {
      connection: this.connection,
      prefix: this.config.REDIS_KEY_PREFIX,
      concurrency: this.config.TIMER_CONCURRENCY,
    });
    this.worker.on('failed', (job, error) =>
      this.logger.warn(
        { inquiryId: (job?.data as { inquiryId?: string })?.inquiryId },
        `${job?.name} failed: ${error.message}`,
      ),
    );
  }

  async process(job: Job): Promise<string> {
    const data = job.data as LanguageFallbackJob | NoReplyTimeoutJob;
    return runInContext({ correlationId: `timer:${job.id}`, inquiryId: data.inquiryId }, async () => {
      switch (job.name) {
        case 'LanguageFallbackJob':
          return this.routing.onLanguageWaitOver(data as LanguageFallbackJob);
        case 'NoReplyTimeoutJob':
          return this.routing.onNoReplyTimeout(data as NoReplyTimeoutJob);
        default:
          throw new Error(`unknown routing timer ${job.name}`);
      }
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Before the database closes. Lets a running timer finish; an unfinished one is retried by another replica.
    await this.worker?.close();
    await this.connection?.quit().catch(() => this.connection?.disconnect());
  }
}

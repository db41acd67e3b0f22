import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { createRedis } from '@relaydesk/persistence';
import { APP_CONFIG, runInContext } from '@relaydesk/runtime';
import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { SlaService } from '../clocks/sla.service';
import type { SlaTimerConfig } from '../config';
import { type DeadlineJob, SLA_DEADLINE_QUEUE } from './deadline.timers';

/** Fires `sla-deadline` jobs: each one is a Postgres transaction that publishes at most once. */
@Injectable()
export class DeadlineProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeadlineProcessor.name);
  private worker?: Worker<DeadlineJob>;
  private connection?: Redis;

  constructor(
    private readonly sla: SlaService,
    @Inject(APP_CONFIG) private readonly config: SlaTimerConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.connection = createRedis(this.config.REDIS_URL);
    this.worker = new Worker<DeadlineJob>(SLA_DEADLINE_QUEUE, (job) => this.process(job), {
      connection: this.connection,
      prefix: this.config.REDIS_KEY_PREFIX,
      concurrency: this.config.SLA_WORKER_CONCURRENCY,
    });
    this.worker.on('failed', (job, error) =>
      this.logger.warn(
        { inquiryId: job?.data.inquiryId, attempt: job?.attemptsMade },
        `timer failed: ${error.message}`,
      ),
    );
    this.worker.on('error', (error) => this.logger.warn(`worker: ${error.message}`));
  }

  private async process(job: Job<DeadlineJob>): Promise<string> {
    // A timer is a root of work: its events get a fresh correlation id.
    const transition = await runInContext(
      { correlationId: randomUUID(), inquiryId: job.data.inquiryId },
      () => this.sla.fire(job.data),
    );
    return transition.changed ? 'fired' : `skipped: ${transition.reason}`;
  }

  /** Before Postgres closes (onApplicationShutdown): running jobs finish and commit. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    await this.connection?.quit().catch(() => this.connection?.disconnect());
  }
}

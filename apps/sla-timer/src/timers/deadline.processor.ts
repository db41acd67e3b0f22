import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { createRedis } from '@relaydesk/persistence';
import { APP_CONFIG } from '@relaydesk/runtime';
import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { BUSY, type FireResult, SlaService } from '../clocks/sla.service';
import type { SlaTimerConfig } from '../config';
import { type DeadlineJob, SLA_DEADLINE_QUEUE } from './deadline.timers';
import { GroupCommit } from './group-commit';

const BUSY_RETRY_MS = 10;

/**
 * Fires `sla-deadline` jobs. The worker hands many due jobs over at once (`SLA_WORKER_CONCURRENCY`);
 * they are fired in batches, one Postgres transaction per batch (group commit, `SlaService.fireMany`),
 * rather than one transaction per job: a burst of deadlines costs a few commits, not thousands.
 */
@Injectable()
export class DeadlineProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeadlineProcessor.name);
  private worker?: Worker<DeadlineJob>;
  private connection?: Redis;
  private readonly batches: GroupCommit<DeadlineJob, FireResult>;

  constructor(
    private readonly sla: SlaService,
    @Inject(APP_CONFIG) private readonly config: SlaTimerConfig,
  ) {
    this.batches = new GroupCommit((jobs) => this.sla.fireMany(jobs), {
      maxBatch: config.SLA_FIRE_BATCH_SIZE,
      maxParallel: config.SLA_FIRE_PARALLEL_BATCHES,
    });
  }

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
    for (;;) {
      const result = await this.batches.submit(job.data);
      if (result !== BUSY) return result.changed ? 'fired' : `skipped: ${result.reason}`;
      // Its inquiry is held by a consumer's transaction right now: the next batch tries again.
      await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
    }
  }

  /** Before Postgres closes (onApplicationShutdown): running jobs finish and commit. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    await this.connection?.quit().catch(() => this.connection?.disconnect());
  }
}

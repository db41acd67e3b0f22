import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { createRedis } from '@relaydesk/persistence';
import { APP_CONFIG } from '@relaydesk/runtime';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { SlaService } from '../clocks/sla.service';
import type { SlaTimerConfig } from '../config';
import { type DeadlineTick, DeadlineTimers, SLA_DEADLINE_QUEUE } from './deadline.timers';

/** Due timers of an inquiry a consumer's transaction holds are tried again after this long. */
const BUSY_RETRY_MS = 10;
/** Ticks taken from BullMQ at once: those that come while a pass runs share the next pass. */
const TICK_CONCURRENCY = 4;

/**
 * Fires what is due. A `sla-deadline` tick job, an in-process timer for a near tick and an instant armed
 * after it passed all ask for the same thing: a pass that fires every warning and breach due by then,
 * in rounds of `SLA_FIRE_BATCH_SIZE`, one Postgres transaction each (`SlaService.fireDue`). Requests that
 * arrive while a pass runs share one more pass after it (it may have read Postgres before their instant
 * was committed), so a burst of ticks costs a few transactions, not one per timer.
 */
@Injectable()
export class DeadlineProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeadlineProcessor.name);
  private worker?: Worker<DeadlineTick>;
  private connection?: Redis;
  private running?: Promise<void>;
  private following?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly sla: SlaService,
    private readonly timers: DeadlineTimers,
    @Inject(APP_CONFIG) private readonly config: SlaTimerConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timers.whenDue(() => {
      this.fireDue().catch((error: unknown) => this.logger.warn(`firing due timers: ${String(error)}`));
    });
    this.connection = createRedis(this.config.REDIS_URL);
    this.worker = new Worker<DeadlineTick>(SLA_DEADLINE_QUEUE, () => this.fireDue(), {
      connection: this.connection,
      prefix: this.config.REDIS_KEY_PREFIX,
      concurrency: TICK_CONCURRENCY,
    });
    this.worker.on('failed', (job, error) =>
      this.logger.warn({ tick: job?.data.at, attempt: job?.attemptsMade }, `tick failed: ${error.message}`),
    );
    this.worker.on('error', (error) => this.logger.warn(`worker: ${error.message}`));
  }

  /** Resolves once a pass that started after this call has fired everything due (rejects if it failed). */
  fireDue(): Promise<void> {
    if (!this.running) {
      this.running = this.pass().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.following ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.following = undefined;
        return this.fireDue();
      });
    return this.following;
  }

  private async pass(): Promise<void> {
    const limit = this.config.SLA_FIRE_BATCH_SIZE;
    while (!this.stopped) {
      const round = await this.sla.fireDue(limit);
      if (round.busy > 0 && round.fired === 0) {
        await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
        continue;
      }
      if (round.due > 0 && round.fired === 0) {
        // Due in Postgres yet nothing fires: never loop on it; the overdue sweep will look again.
        this.logger.warn(`${round.due} due timers changed nothing`);
        return;
      }
      if (round.due < limit && round.busy === 0) return;
    }
  }

  /** Before Postgres closes (onApplicationShutdown): a running pass finishes and commits. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.worker?.close();
    await this.running?.catch(() => undefined);
    await this.connection?.quit().catch(() => this.connection?.disconnect());
  }
}

import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createRedis } from '@relaydesk/persistence';
import type { AfterCommitBatch } from '@relaydesk/messaging';
import { APP_CONFIG } from '@relaydesk/runtime';
import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { SlaClockKind } from '@relaydesk/contracts';
import { type TimerAction, type TimerCommand, timerJobId, TimerAction as Actions } from '../clocks/sla.model';
import type { SlaTimerConfig } from '../config';
import { type Clock, CLOCK } from '../time/clock';

export const SLA_DEADLINE_QUEUE = 'sla-deadline';

/** The payload of a `sla-deadline` job (typed here, next to its processor). */
export interface DeadlineJob {
  inquiryId: string;
  kind: SlaClockKind;
  action: TimerAction;
  version: number;
}

/** A job's name is its class of work. */
export const DEADLINE_JOB_NAME = 'DeadlineJob';

const JOB_OPTIONS: JobsOptions = {
  // Completed jobs go: Postgres remembers what fired. Failed ones go too, so the overdue sweep can re-add the id.
  removeOnComplete: true,
  removeOnFail: true,
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
};

const ADD_CHUNK = 1_000;

/**
 * The BullMQ delayed jobs that fire warnings and breaches. Ids are deterministic, so arming a clock
 * twice (a re-arm after FLUSHALL, two replicas) adds one job; the delay comes from the injected clock.
 */
@Injectable()
export class DeadlineTimers implements OnApplicationShutdown {
  private readonly logger = new Logger(DeadlineTimers.name);
  readonly queue: Queue<DeadlineJob>;
  private readonly connection: Redis;

  constructor(
    @Inject(APP_CONFIG) config: SlaTimerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.connection = createRedis(config.REDIS_URL);
    this.queue = new Queue<DeadlineJob>(SLA_DEADLINE_QUEUE, {
      connection: this.connection,
      prefix: config.REDIS_KEY_PREFIX,
    });
    this.queue.on('error', (error) => this.logger.warn(`queue: ${error.message}`));
  }

  /**
   * The timer commands of the events of one transaction (a consumer batch), applied in one go
   * (`afterCommitTogether`). An arm that a later event of the batch cancels is not armed at all.
   */
  readonly together: AfterCommitBatch<readonly TimerCommand[]> = {
    applyAll: (all) => this.apply(withoutCancelledArms(all.flat())),
  };

  /** Cancels, then arms (a recompute cancels the old version and arms the new one). */
  async apply(commands: readonly TimerCommand[]): Promise<void> {
    const cancels = commands.filter((c) => c.type === 'cancel');
    await Promise.all(
      cancels.flatMap((c) =>
        [Actions.Warn, Actions.Breach].map((action) =>
          this.remove(timerJobId(c.inquiryId, c.kind, action, c.version)),
        ),
      ),
    );
    await this.arm(
      commands.flatMap((c) =>
        c.type === 'arm'
          ? [
              {
                job: { inquiryId: c.inquiryId, kind: c.kind, action: c.action, version: c.version },
                at: c.at,
              },
            ]
          : [],
      ),
    );
  }

  /** Adds jobs; an instant already past fires at once (delay 0). */
  async arm(timers: readonly { job: DeadlineJob; at: Date }[]): Promise<void> {
    const now = this.clock.now().getTime();
    for (let i = 0; i < timers.length; i += ADD_CHUNK) {
      await this.queue.addBulk(
        timers.slice(i, i + ADD_CHUNK).map(({ job, at }) => ({
          name: DEADLINE_JOB_NAME,
          data: job,
          opts: {
            ...JOB_OPTIONS,
            jobId: timerJobId(job.inquiryId, job.kind, job.action, job.version),
            delay: Math.max(0, at.getTime() - now),
          },
        })),
      );
    }
  }

  /**
   * The timers whose job BullMQ no longer holds (lost, or failed for good). Completed jobs are removed,
   * so a job key that exists is one still waiting, delayed or running: offering it again would only
   * cost Redis work, which matters when the worker is behind and many instants are overdue.
   */
  async lost<T extends { job: DeadlineJob }>(timers: readonly T[]): Promise<T[]> {
    if (timers.length === 0) return [];
    const pipeline = this.connection.pipeline();
    for (const { job } of timers)
      pipeline.exists(this.queue.toKey(timerJobId(job.inquiryId, job.kind, job.action, job.version)));
    const replies = (await pipeline.exec()) ?? [];
    return timers.filter((_, index) => {
      const [error, exists] = replies[index] ?? [null, 0];
      return error !== null || exists !== 1;
    });
  }

  private async remove(jobId: string): Promise<void> {
    // A job that is running right now cannot be removed; it will find its version stale and do nothing.
    await this.queue.remove(jobId).catch((error: unknown) => {
      this.logger.debug(`could not remove timer ${jobId}: ${String(error)}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}

/** The commands in order, less the arms of a clock version that a later command cancels. */
export function withoutCancelledArms(commands: readonly TimerCommand[]): TimerCommand[] {
  const version = (command: TimerCommand) => `${command.inquiryId}/${command.kind}/${command.version}`;
  const cancelledLater = new Set<string>();
  const kept: TimerCommand[] = [];
  for (let index = commands.length - 1; index >= 0; index--) {
    const command = commands[index];
    if (command.type === 'cancel') cancelledLater.add(version(command));
    else if (cancelledLater.has(version(command))) continue;
    kept.push(command);
  }
  return kept.reverse();
}

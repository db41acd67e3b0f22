import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { REDIS } from '@relaydesk/persistence';
import { APP_CONFIG } from '@relaydesk/runtime';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AssignmentConfig } from '../config';

export const ROUTING_TIMERS_QUEUE = 'routing-timers';

/** The language wait of one waiting episode of an inquiry is over. */
export interface LanguageFallbackJob {
  inquiryId: string;
  seq: number;
}

/** An assignment's agent has had NO_REPLY_TIMEOUT_SECONDS to reply. */
export interface NoReplyTimeoutJob {
  inquiryId: string;
  assignmentId: string;
}

export type RoutingTimerJob =
  | { name: 'LanguageFallbackJob'; data: LanguageFallbackJob }
  | { name: 'NoReplyTimeoutJob'; data: NoReplyTimeoutJob };

const JOB_OPTIONS = {
  removeOnComplete: true,
  removeOnFail: 1_000,
  attempts: 8,
  backoff: { type: 'exponential', delay: 500 },
} as const;

/**
 * Timers as BullMQ delayed jobs with deterministic ids (arming one twice keeps one). Postgres decides
 * whether a fired timer still means anything, so a stale or repeated timer changes nothing.
 */
@Injectable()
export class RoutingTimers implements OnApplicationShutdown {
  readonly queue: Queue<LanguageFallbackJob | NoReplyTimeoutJob>;

  constructor(@Inject(REDIS) redis: Redis, @Inject(APP_CONFIG) config: AssignmentConfig) {
    this.queue = new Queue(ROUTING_TIMERS_QUEUE, { connection: redis, prefix: config.REDIS_KEY_PREFIX });
  }

  /** `round` tells a re-armed wait from the first one of the same episode. */
  async armLanguageFallback(
    timers: readonly (LanguageFallbackJob & { delayMs: number; round?: number })[],
  ): Promise<void> {
    if (timers.length === 0) return;
    await this.queue.addBulk(
      timers.map(({ inquiryId, seq, delayMs, round }) => ({
        name: 'LanguageFallbackJob',
        data: { inquiryId, seq },
        opts: {
          ...JOB_OPTIONS,
          jobId: `fallback_${inquiryId}_${seq}${round ? `_${round}` : ''}`,
          delay: Math.max(0, delayMs),
        },
      })),
    );
  }

  async armNoReply(timers: readonly (NoReplyTimeoutJob & { delayMs: number })[]): Promise<void> {
    if (timers.length === 0) return;
    await this.queue.addBulk(
      timers.map(({ inquiryId, assignmentId, delayMs }) => ({
        name: 'NoReplyTimeoutJob',
        data: { inquiryId, assignmentId },
        opts: { ...JOB_OPTIONS, jobId: `noreply_${assignmentId}`, delay: Math.max(0, delayMs) },
      })),
    );
  }

  async disarmNoReply(assignmentIds: readonly string[]): Promise<void> {
    await Promise.all(assignmentIds.map((assignmentId) => this.queue.remove(`noreply_${assignmentId}`)));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}

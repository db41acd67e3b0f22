import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Priority } from '@relaydesk/contracts';
import { REDIS } from '@relaydesk/persistence';
import { APP_CONFIG } from '@relaydesk/runtime';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AssignmentConfig } from '../config';
import { ROUTING_QUEUES } from './routing.rules';

/** Data of a job in a routing queue: one waiting inquiry, in one episode of waiting (`seq`). */
export interface WaitingInquiryJob {
  inquiryId: string;
  seq: number;
}

export interface WaitingEntry extends WaitingInquiryJob {
  priority: Priority;
  /** BullMQ priority inside the queue (rankWithinPriority). */
  rank: number;
}

/** `<inquiryId>_<seq>`: deterministic, so adding an entry twice keeps one job. */
export function waitingJobId(entry: WaitingInquiryJob): string {
  return `${entry.inquiryId}_${entry.seq}`;
}

export function parseWaitingJobId(jobId: string): WaitingInquiryJob | undefined {
  const match = /^([0-9a-f-]{36})_(\d+)$/.exec(jobId);
  return match ? { inquiryId: match[1], seq: Number(match[2]) } : undefined;
}

/**
 * The waiting inquiries: one BullMQ queue per priority (`routing-urgent` ... `routing-low`), one job per
 * waiting inquiry, BullMQ priority = rank (requeued, then VIP, then standard), first come first served
 * within a rank. No worker pops these jobs blindly: the dispatcher reads them in order and matches them
 * to agents (the head may have no eligible agent while later ones do), then removes what it assigned.
 * Postgres holds each inquiry's state; a job whose inquiry has moved on (other `seq`) is stale and dropped.
 */
@Injectable()
export class WaitingLine implements OnApplicationShutdown {
  private readonly queues = new Map<Priority, Queue<WaitingInquiryJob>>();

  constructor(@Inject(REDIS) redis: Redis, @Inject(APP_CONFIG) config: AssignmentConfig) {
    for (const { priority, name } of ROUTING_QUEUES) {
      this.queues.set(
        priority,
        new Queue<WaitingInquiryJob>(name, { connection: redis, prefix: config.REDIS_KEY_PREFIX }),
      );
    }
  }

  private queue(priority: Priority): Queue<WaitingInquiryJob> {
    return this.queues.get(priority)!;
  }

  async add(entries: readonly WaitingEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await Promise.all(
      ROUTING_QUEUES.map(async ({ priority }) => {
        const mine = entries.filter((entry) => entry.priority === priority);
        if (mine.length === 0) return;
        await this.queue(priority).addBulk(
          mine.map((entry) => ({
            name: 'WaitingInquiry',
            data: { inquiryId: entry.inquiryId, seq: entry.seq },
            opts: {
              jobId: waitingJobId(entry),
              priority: entry.rank,
              removeOnComplete: true,
              removeOnFail: true,
            },
          })),
        );
      }),
    );
  }

  /** Job ids of a priority's waiting line, in serving order, from `start` to `end` inclusive. */
  page(priority: Priority, start: number, end: number): Promise<string[]> {
    return this.queue(priority).getRanges(['prioritized'], start, end, true);
  }

  async remove(priority: Priority, jobIds: readonly string[]): Promise<void> {
    const queue = this.queue(priority);
    await Promise.all(jobIds.map((jobId) => queue.remove(jobId)));
  }

  /** Removes the jobs of these entries from whatever queue holds them. */
  async removeEverywhere(jobIds: readonly string[]): Promise<void> {
    await Promise.all(ROUTING_QUEUES.map(({ priority }) => this.remove(priority, jobIds)));
  }

  async counts(): Promise<{ queue: string; priority: Priority; jobs: number }[]> {
    return Promise.all(
      ROUTING_QUEUES.map(async ({ priority, name }) => ({
        queue: name,
        priority,
        jobs: await this.queue(priority).getPrioritizedCount(),
      })),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }
}

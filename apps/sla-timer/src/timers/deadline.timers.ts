import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createRedis } from '@relaydesk/persistence';
import type { AfterCommitBatch } from '@relaydesk/messaging';
import { APP_CONFIG } from '@relaydesk/runtime';
import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { TimerCommand } from '../clocks/sla.model';
import type { SlaTimerConfig } from '../config';
import { type Clock, CLOCK } from '../time/clock';

export const SLA_DEADLINE_QUEUE = 'sla-deadline';

/** The payload of a `sla-deadline` job: the instant of its tick (epoch ms). Typed here, next to its queue. */
export interface DeadlineTick {
  at: number;
}

/** A job's name is its class of work. */
export const DEADLINE_TICK_JOB = 'DeadlineTick';

const JOB_OPTIONS: JobsOptions = {
  // A tick that ran is removed, so its id can be added again for an instant armed after it ran.
  removeOnComplete: true,
  removeOnFail: true,
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
};

const ADD_CHUNK = 1_000;

/**
 * Ticks at least this far ahead are remembered once added: the job is surely still waiting. A nearer one
 * is added unless it is remembered from when it was far (a no-op while it waits), and it always gets an
 * in-process timer too, because a job added in the last moments may reach Redis while its tick is
 * already running, after that run read Postgres.
 */
export const REMEMBER_BEYOND_MS = 1_000;

/** The tick an instant belongs to: the first multiple of `tickMs` at or after it. */
export function tickOf(instant: number, tickMs: number): number {
  return Math.ceil(instant / tickMs) * tickMs;
}

/** Deterministic: every replica arming an instant of the same tick adds the same job (BullMQ ids may not hold ':'). */
export function tickJobId(at: number): string {
  return `tick.${at}`;
}

/** What arming some instants at `now` takes (pure, see `DeadlineTimers.arm`). */
export interface TickPlan {
  /** An instant has passed already: fire what is due now. */
  dueNow: boolean;
  /** Ticks to fire from an in-process timer as well (within `REMEMBER_BEYOND_MS`). */
  near: number[];
  /** Ticks to add to BullMQ (not remembered as added). */
  add: number[];
}

export function planTicks(
  instants: readonly Date[],
  now: number,
  tickMs: number,
  remembered: ReadonlySet<number>,
): TickPlan {
  let dueNow = false;
  const near = new Set<number>();
  const add = new Set<number>();
  for (const instant of instants) {
    const at = tickOf(instant.getTime(), tickMs);
    if (at <= now) {
      dueNow = true;
      continue;
    }
    if (at <= now + REMEMBER_BEYOND_MS) near.add(at);
    if (!remembered.has(at)) add.add(at);
  }
  return { dueNow, near: [...near], add: [...add] };
}

/**
 * The timers that fire warnings and breaches. Deadlines live in Postgres; BullMQ holds one delayed job
 * per tick (`SLA_TICK_MS`, 100 ms) that has an instant in it, with a deterministic id, so arming the
 * same tick twice (many clocks, a re-arm after FLUSHALL, two replicas) adds one job. When a tick's job
 * runs, every warning and breach due by then is fired from Postgres in batches (`DeadlineProcessor`).
 *
 * A cancelled clock has no job of its own to remove: its instants leave Postgres (the clock is met,
 * paused or recomputed with a new version), so the ticks they shared with other clocks find nothing of
 * it to fire. The number of jobs is bounded by the ticks in the future, not by the number of clocks.
 */
@Injectable()
export class DeadlineTimers implements OnApplicationShutdown {
  private readonly logger = new Logger(DeadlineTimers.name);
  readonly queue: Queue<DeadlineTick>;
  private readonly connection: Redis;
  private readonly tickMs: number;
  /** Ticks this process added that are more than `REMEMBER_BEYOND_MS` ahead. */
  private readonly added = new Set<number>();
  private readonly nearTimers = new Map<number, NodeJS.Timeout>();
  private onDue: () => void = () => undefined;
  private prunedAt = 0;

  constructor(
    @Inject(APP_CONFIG) config: SlaTimerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.tickMs = config.SLA_TICK_MS;
    this.connection = createRedis(config.REDIS_URL);
    this.queue = new Queue<DeadlineTick>(SLA_DEADLINE_QUEUE, {
      connection: this.connection,
      prefix: config.REDIS_KEY_PREFIX,
    });
    this.queue.on('error', (error) => this.logger.warn(`queue: ${error.message}`));
  }

  /** What to call when an instant is due in this process (the processor fires what is due). */
  whenDue(listener: () => void): void {
    this.onDue = listener;
  }

  /**
   * The timer commands of the events of one transaction (a consumer batch), applied in one go
   * (`afterCommitTogether`). An arm that a later event of the batch cancels is not armed at all.
   */
  readonly together: AfterCommitBatch<readonly TimerCommand[]> = {
    applyAll: (all) => this.apply(withoutCancelledArms(all.flat())),
  };

  /** Arms the instants of the `arm` commands; a `cancel` needs nothing in Redis (see the class). */
  async apply(commands: readonly TimerCommand[]): Promise<void> {
    await this.arm(commands.flatMap((command) => (command.type === 'arm' ? [command.at] : [])));
  }

  /**
   * Makes sure a tick fires at or after each instant. Call it after the instants are committed: a
   * passed instant is fired at once (from this process), a near one also from an in-process timer.
   */
  async arm(instants: readonly Date[]): Promise<void> {
    if (instants.length === 0) return;
    const now = this.clock.now().getTime();
    this.prune(now);
    const plan = planTicks(instants, now, this.tickMs, this.added);
    if (plan.dueNow) this.onDue();
    for (const at of plan.near) this.fireNear(at, now);
    for (let i = 0; i < plan.add.length; i += ADD_CHUNK) {
      await this.queue.addBulk(
        plan.add.slice(i, i + ADD_CHUNK).map((at) => ({
          name: DEADLINE_TICK_JOB,
          data: { at },
          opts: { ...JOB_OPTIONS, jobId: tickJobId(at), delay: at - now },
        })),
      );
    }
    for (const at of plan.add) if (at > now + REMEMBER_BEYOND_MS) this.added.add(at);
  }

  /** Redis may have lost the jobs this process remembers adding (the re-arm calls this first). */
  forget(): void {
    this.added.clear();
  }

  /** Jobs BullMQ holds for ticks still to come (delayed or waiting). */
  pending(): Promise<number> {
    return this.queue.getJobCountByTypes('delayed', 'waiting', 'prioritized');
  }

  private fireNear(at: number, now: number): void {
    if (this.nearTimers.has(at)) return;
    const timer = setTimeout(() => {
      this.nearTimers.delete(at);
      this.onDue();
    }, at - now);
    timer.unref();
    this.nearTimers.set(at, timer);
  }

  /** Forgets ticks that have come (at most once a second: the set holds one entry per future tick). */
  private prune(now: number): void {
    if (now - this.prunedAt < 1_000) return;
    this.prunedAt = now;
    for (const at of this.added) if (at <= now + REMEMBER_BEYOND_MS) this.added.delete(at);
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.nearTimers.values()) clearTimeout(timer);
    this.nearTimers.clear();
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

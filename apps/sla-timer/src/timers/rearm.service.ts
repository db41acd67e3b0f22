import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { REDIS } from '@relaydesk/persistence';
import { APP_CONFIG, counter } from '@relaydesk/runtime';
import type { Redis } from 'ioredis';
import { TimerAction } from '../clocks/sla.model';
import { type OpenClock, SlaRepository } from '../clocks/sla.repository';
import type { SlaTimerConfig } from '../config';
import { type Clock, CLOCK } from '../time/clock';
import { type DeadlineJob, DeadlineTimers } from './deadline.timers';

const PAGE = 1_000;
/** A pending instant this far in the past with its clock still running means its job was lost. */
const OVERDUE_GRACE_MS = 5_000;

function jobsOf(clock: OpenClock): { job: DeadlineJob; at: Date }[] {
  const base = { inquiryId: clock.inquiryId, kind: clock.kind, version: clock.version };
  const jobs: { job: DeadlineJob; at: Date }[] = [
    { job: { ...base, action: TimerAction.Breach }, at: clock.dueAt },
  ];
  if (clock.warnedAt === null) jobs.unshift({ job: { ...base, action: TimerAction.Warn }, at: clock.warnAt });
  return jobs;
}

/**
 * Redis may lose every timer (FLUSHALL, a restart without persistence, eviction); Postgres holds the
 * truth. Re-arming adds the jobs of every running clock under their deterministic ids, so it is
 * idempotent: a job still present is not duplicated, one already fired finds its clock done.
 *
 * - at start: a full re-arm (an overdue instant gets delay 0: the breach missed while the service was
 *   down fires at once);
 * - every SLA_REDIS_WATCH_MS: a marker key written at the start of each full re-arm is checked; gone
 *   means Redis lost its data, so everything is re-armed at once;
 * - every SLA_REARM_INTERVAL_SECONDS: clocks whose warning or breach is overdue are re-armed (a job
 *   that failed for good, a crash between a commit and its timer change, partial eviction).
 */
@Injectable()
export class RearmService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RearmService.name);
  private readonly rearmed = counter('relaydesk_sla_rearms_total', 'SLA timer re-arms, by trigger', [
    'trigger',
  ]);
  private readonly markerKey: string;
  private watch?: NodeJS.Timeout;
  private sweep?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly repository: SlaRepository,
    private readonly timers: DeadlineTimers,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: SlaTimerConfig,
  ) {
    this.markerKey = `${config.REDIS_KEY_PREFIX}:sla-timer:armed`;
  }

  onApplicationBootstrap(): void {
    // In the background: a large backlog must not hold the HTTP port and the consumers back.
    this.trigger('start', () => this.rearmAll());
    this.watch = setInterval(
      () => this.trigger('redis-lost', () => this.rearmIfLost()),
      this.config.SLA_REDIS_WATCH_MS,
    );
    this.sweep = setInterval(
      () => this.trigger('overdue', () => this.rearmOverdue()),
      this.config.SLA_REARM_INTERVAL_SECONDS * 1000,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.watch);
    clearInterval(this.sweep);
    await this.running;
  }

  /** Re-arms every running clock; returns how many jobs were offered to BullMQ. */
  async rearmAll(): Promise<number> {
    // Written first: if Redis is flushed while this runs, the marker is gone and the watch runs it again.
    await this.redis.set(this.markerKey, this.clock.now().toISOString());
    let offered = 0;
    let after: OpenClock | undefined;
    for (;;) {
      if (this.stopped) break;
      const page = await this.repository.openClocks(after, PAGE);
      if (page.length === 0) break;
      const jobs = page.flatMap(jobsOf);
      await this.timers.arm(jobs);
      offered += jobs.length;
      after = page[page.length - 1];
      if (page.length < PAGE) break;
    }
    this.logger.log(`re-armed ${offered} timers from Postgres`);
    return offered;
  }

  async rearmIfLost(): Promise<boolean> {
    if ((await this.redis.exists(this.markerKey)) === 1) return false;
    this.logger.warn('Redis lost the SLA timers (marker key gone): re-arming every open clock');
    await this.rearmAll();
    return true;
  }

  async rearmOverdue(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - OVERDUE_GRACE_MS);
    // One page per sweep: jobs just offered may still be waiting for a worker, and adding them again is a no-op.
    const page = await this.repository.overdueClocks(cutoff, PAGE);
    const overdue = page.flatMap(jobsOf).filter(({ at }) => at.getTime() <= cutoff.getTime());
    // A job still in BullMQ is only late (the worker is behind): re-adding it would add to the load.
    const jobs = await this.timers.lost(overdue);
    await this.timers.arm(jobs);
    const offered = jobs.length;
    if (offered > 0) this.logger.warn(`re-armed ${offered} overdue timers`);
    return offered;
  }

  /** One re-arm at a time per replica; errors are logged, the next tick tries again. */
  private trigger(what: string, work: () => Promise<unknown>): void {
    if (this.running || this.stopped) return;
    this.running = work()
      .then((result) => {
        if (result !== false && result !== 0) this.rearmed.inc({ trigger: what });
      })
      .catch((error: unknown) => this.logger.warn(`re-arm (${what}) failed: ${String(error)}`))
      .finally(() => {
        this.running = undefined;
      });
  }
}

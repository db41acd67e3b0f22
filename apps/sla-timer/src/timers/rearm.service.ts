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
import { type OpenClock, SlaRepository } from '../clocks/sla.repository';
import type { SlaTimerConfig } from '../config';
import { type Clock, CLOCK } from '../time/clock';
import { DeadlineProcessor } from './deadline.processor';
import { DeadlineTimers } from './deadline.timers';

const PAGE = 1_000;
/** A pending instant this far in the past with its clock still running means its tick was lost. */
const OVERDUE_GRACE_MS = 5_000;

/** The instants a running clock still waits for: its warning (unless given) and its breach. */
function instantsOf(clock: OpenClock): Date[] {
  return clock.warnedAt === null ? [clock.warnAt, clock.dueAt] : [clock.dueAt];
}

/**
 * Redis may lose every timer (FLUSHALL, a restart without persistence, eviction); Postgres holds the
 * truth. Re-arming adds the ticks of every running clock's instants under their deterministic ids, so
 * it is idempotent: a tick still present is not duplicated, and a timer that already fired finds its
 * clock done.
 *
 * - at start: a full re-arm (an overdue instant is fired at once: the breach missed while the service
 *   was down fires as soon as it is back);
 * - every SLA_REDIS_WATCH_MS: a marker key written at the start of each full re-arm is checked; gone
 *   means Redis lost its data, so everything is re-armed at once;
 * - every SLA_REARM_INTERVAL_SECONDS: if a warning or breach is overdue by more than a few seconds (a
 *   tick that failed for good, a crash between a commit and its timer change, partial eviction), what
 *   is due is fired.
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
    private readonly processor: DeadlineProcessor,
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

  /** Re-arms every running clock; returns how many instants were armed. */
  async rearmAll(): Promise<number> {
    // Written first: if Redis is flushed while this runs, the marker is gone and the watch runs it again.
    await this.redis.set(this.markerKey, this.clock.now().toISOString());
    this.timers.forget();
    let armed = 0;
    let after: OpenClock | undefined;
    for (;;) {
      if (this.stopped) break;
      const page = await this.repository.openClocks(after, PAGE);
      if (page.length === 0) break;
      const instants = page.flatMap(instantsOf);
      await this.timers.arm(instants);
      armed += instants.length;
      after = page[page.length - 1];
      if (page.length < PAGE) break;
    }
    this.logger.log(`re-armed ${armed} instants from Postgres`);
    return armed;
  }

  async rearmIfLost(): Promise<boolean> {
    if ((await this.redis.exists(this.markerKey)) === 1) return false;
    this.logger.warn('Redis lost the SLA timers (marker key gone): re-arming every open clock');
    await this.rearmAll();
    return true;
  }

  /** Fires what is overdue by more than the grace (its tick never ran); returns whether anything was. */
  async rearmOverdue(): Promise<boolean> {
    const cutoff = new Date(this.clock.now().getTime() - OVERDUE_GRACE_MS);
    const [overdue] = await this.repository.dueTimers(cutoff, 1);
    if (!overdue) return false;
    this.logger.warn(`SLA timers overdue by more than ${OVERDUE_GRACE_MS} ms: firing what is due`);
    await this.processor.fireDue();
    return true;
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

import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { createRedis, REDIS } from '@relaydesk/persistence';
import { APP_CONFIG } from '@relaydesk/runtime';
import type { Redis } from 'ioredis';
import type { IntakeConfig } from '../config';

type Listener = () => void;

/** The Redis channel announcing new timeline entries (message: the inquiry id), one per deployment. */
export function timelineChannel(redisKeyPrefix: string): string {
  return `${redisKeyPrefix}:intake:timeline`;
}

/**
 * Tells the open event streams of every intake replica that an inquiry has a new timeline entry,
 * whichever replica projected it: Redis pub/sub, one subscribing connection per process.
 *
 * The projecting handler announces through `afterCommit`, so a stream never hears of an entry it cannot
 * read yet or of one that was rolled back. An announcement can still be lost (the process dies between
 * the commit and the publish, Redis is briefly away): the stream then shows the entry with the next
 * announcement of its inquiry; a failed publish makes the consumer handle the event again, which finds
 * it already processed and announces again; and after the subscriber reconnects every open stream
 * re-reads what it may have missed. Streams always read from Postgres (`seq > last sent`), so an
 * announcement is only a wake-up: a duplicate or a spurious one costs one indexed read.
 *
 * (It used Postgres LISTEN/NOTIFY before: a NOTIFY in the projecting transaction serialises the commits
 * of the whole database on the notification queue's lock, which measured at well under half the commit
 * rate without it.)
 */
@Injectable()
export class TimelineNotifier implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TimelineNotifier.name);
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly channel: string;
  private subscriber?: Redis;
  private started = false;
  private connectedOnce = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: IntakeConfig,
  ) {
    this.channel = timelineChannel(config.REDIS_KEY_PREFIX);
  }

  async onApplicationBootstrap(): Promise<void> {
    // A hybrid app (HTTP + Kafka transport) runs bootstrap hooks once per application: connect once.
    if (this.started) return;
    this.started = true;
    // A connection in subscriber mode cannot send other commands: its own, apart from the shared one.
    const subscriber = createRedis(this.config.REDIS_URL);
    subscriber.on('message', (channel: string, inquiryId: string) => {
      if (channel === this.channel) this.wake(inquiryId);
    });
    subscriber.on('error', (error: Error) => this.logger.warn(`timeline subscriber: ${error.message}`));
    subscriber.on('ready', () => {
      // ioredis subscribes again by itself after a reconnect; announcements sent while no connection
      // listened are lost, so every open stream catches up from Postgres.
      if (this.connectedOnce) this.wakeAll();
      this.connectedOnce = true;
    });
    this.subscriber = subscriber;
    // Awaited: a replica serves no stream before it hears the announcements (start-up waits for Redis,
    // which readiness requires anyway).
    await subscriber.subscribe(this.channel);
  }

  async onApplicationShutdown(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    await subscriber?.quit().catch(() => subscriber.disconnect());
  }

  /** Announces a committed entry of the inquiry to every replica; rejects if Redis did not take it. */
  async announce(inquiryId: string): Promise<void> {
    await this.redis.publish(this.channel, inquiryId);
  }

  /** Calls `listener` after each announced entry of the inquiry; returns the unsubscribe function. */
  subscribe(inquiryId: string, listener: Listener): () => void {
    let set = this.listeners.get(inquiryId);
    if (!set) this.listeners.set(inquiryId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(inquiryId) === set) this.listeners.delete(inquiryId);
    };
  }

  private wake(inquiryId: string): void {
    for (const listener of this.listeners.get(inquiryId) ?? []) listener();
  }

  private wakeAll(): void {
    for (const set of this.listeners.values()) for (const listener of set) listener();
  }
}

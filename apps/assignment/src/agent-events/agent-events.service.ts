import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createRedis, REDIS } from '@relaydesk/persistence';
import { APP_CONFIG } from '@relaydesk/runtime';
import type { Redis } from 'ioredis';
import type { AssignmentConfig } from '../config';
import type { AgentEvent, AgentNotification } from './agent-event';

type Listener = (event: AgentEvent) => void;

/**
 * Per-agent event fan-out over Redis pub/sub (one channel per agent, under REDIS_KEY_PREFIX), so an
 * event reaches the agent's stream whichever replica handled it and whichever replica holds the stream.
 * Delivery is best effort by design: the stream is a live view; the API holds the state.
 */
@Injectable()
export class AgentEventsService implements OnApplicationShutdown {
  private readonly logger = new Logger(AgentEventsService.name);
  private subscriber?: Redis;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly closers = new Set<() => void>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AssignmentConfig,
  ) {}

  private channel(agentId: string): string {
    return `${this.config.REDIS_KEY_PREFIX}:agent-events:${agentId}`;
  }

  async publish(notifications: readonly AgentNotification[]): Promise<void> {
    if (notifications.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { agentId, event } of notifications)
      pipeline.publish(this.channel(agentId), JSON.stringify(event));
    await pipeline.exec();
  }

  private connection(): Redis {
    if (!this.subscriber) {
      const subscriber = createRedis(this.config.REDIS_URL);
      subscriber.on('message', (channel: string, message: string) => {
        const listeners = this.listeners.get(channel);
        if (!listeners) return;
        let event: AgentEvent;
        try {
          event = JSON.parse(message) as AgentEvent;
        } catch {
          this.logger.warn(`unreadable agent event on ${channel}`);
          return;
        }
        for (const listener of listeners) listener(event);
      });
      this.subscriber = subscriber;
    }
    return this.subscriber;
  }

  /**
   * Calls `listener` with each event for the agent until the returned function is called. `close` is
   * called when the service shuts down.
   */
  async subscribe(agentId: string, listener: Listener, close: () => void): Promise<() => Promise<void>> {
    const channel = this.channel(agentId);
    let listeners = this.listeners.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(channel, listeners);
      await this.connection().subscribe(channel);
    }
    listeners.add(listener);
    this.closers.add(close);
    return async () => {
      this.closers.delete(close);
      const current = this.listeners.get(channel);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.listeners.delete(channel);
        await this.subscriber?.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  /** Streams are closed before the HTTP server stops (it would wait for them forever). */
  beforeApplicationShutdown(): void {
    for (const close of [...this.closers]) close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}

import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG } from '@relaydesk/runtime';
import { Client } from 'pg';
import type { IntakeConfig } from '../config';
import { timelineChannel } from './timeline.repository';

const RECONNECT_DELAY_MS = 1_000;

type Listener = () => void;

/**
 * Tells this process's open event streams that their inquiry has a new timeline entry, whichever
 * replica consumed the event: Postgres LISTEN/NOTIFY on one connection per process. The notification
 * is sent by the projecting transaction and delivered only at its commit, so a stream never hears of
 * an entry it cannot read yet or one that was rolled back.
 */
@Injectable()
export class TimelineNotifier implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TimelineNotifier.name);
  private readonly listeners = new Map<string, Set<Listener>>();
  private client?: Client;
  private stopped = false;
  private reconnectTimer?: NodeJS.Timeout;

  constructor(@Inject(APP_CONFIG) private readonly config: IntakeConfig) {}

  private started = false;

  async onApplicationBootstrap(): Promise<void> {
    // A hybrid app (HTTP + Kafka transport) runs bootstrap hooks once per application: connect once.
    if (this.started) return;
    this.started = true;
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  /** Calls `listener` after each committed entry of the inquiry; returns the unsubscribe function. */
  subscribe(inquiryId: string, listener: Listener): () => void {
    let set = this.listeners.get(inquiryId);
    if (!set) this.listeners.set(inquiryId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(inquiryId) === set) this.listeners.delete(inquiryId);
    };
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.config.DATABASE_URL,
      application_name: `relaydesk-${this.config.SERVICE_NAME}-timeline`,
    });
    client.on('notification', (message) => {
      for (const listener of this.listeners.get(message.payload ?? '') ?? []) listener();
    });
    client.on('error', (error) => {
      this.logger.warn(`timeline listener connection: ${error.message}; reconnecting`);
      this.scheduleReconnect(client);
    });
    client.on('end', () => this.scheduleReconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${timelineChannel(this.config.DB_SCHEMA)}"`);
      this.client = client;
      // Entries committed while no connection listened: every open stream catches up.
      for (const set of this.listeners.values()) for (const listener of set) listener();
    } catch (error) {
      this.logger.warn(
        `timeline listener: ${error instanceof Error ? error.message : String(error)}; retrying`,
      );
      this.scheduleReconnect(client);
    }
  }

  private scheduleReconnect(client: Client): void {
    if (this.stopped || this.reconnectTimer) return;
    if (this.client === client) this.client = undefined;
    void client.end().catch(() => undefined);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, RECONNECT_DELAY_MS);
  }
}

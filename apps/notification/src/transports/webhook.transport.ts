import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import http from 'node:http';
import https from 'node:https';
import { APP_CONFIG } from '@relaydesk/runtime';
import { type NotificationConfig, parsePairs } from '../config';
import { AGENT_WEBHOOK_ADDRESS, type DeliveryRow } from '../deliveries/delivery.model';
import { DeliveryError } from './delivery.error';
import { signBody } from './signature';

/** The sender id in `x-relaydesk-adapter` of alerts to the agents' chat tool. */
export const AGENT_WEBHOOK_SENDER = 'relaydesk';

/** Idle keep-alive connections are closed by us after this long (before a typical server's 5 s). */
const IDLE_SOCKET_MS = 4_000;

/**
 * JSON POSTs signed like inbound adapter requests (API.md), with an `idempotency-key` that is the delivery
 * id: the same on every retry, so a receiver that saw it already can answer 2xx and do nothing.
 *
 * Requests go through node's http(s) client with a keep-alive agent (connections reused across
 * deliveries, at most WEBHOOK_CONCURRENCY per host) and a plain timer for WEBHOOK_TIMEOUT_MS: fetch's
 * web streams and AbortSignal.timeout cost more CPU than the rest of a delivery.
 */
@Injectable()
export class WebhookTransport implements OnApplicationShutdown {
  private readonly callbacks: Map<string, string>;
  private readonly secrets: Map<string, string>;
  private readonly agents: { 'http:': http.Agent; 'https:': https.Agent };

  constructor(@Inject(APP_CONFIG) private readonly config: NotificationConfig) {
    this.callbacks = parsePairs(config.ADAPTER_CALLBACKS);
    this.secrets = parsePairs(config.ADAPTER_SECRETS);
    const options = {
      keepAlive: true,
      maxSockets: config.WEBHOOK_CONCURRENCY,
      maxFreeSockets: config.WEBHOOK_CONCURRENCY,
      timeout: IDLE_SOCKET_MS,
      scheduling: 'lifo' as const,
    };
    this.agents = { 'http:': new http.Agent(options), 'https:': new https.Agent(options) };
  }

  callbackOf(adapterId: string): string | undefined {
    return this.callbacks.get(adapterId);
  }

  private target(address: string): { url: string; sender: string; secret: string } {
    if (address === AGENT_WEBHOOK_ADDRESS) {
      if (!this.config.AGENT_WEBHOOK_URL) throw new DeliveryError('AGENT_WEBHOOK_URL is not set', true);
      return {
        url: this.config.AGENT_WEBHOOK_URL,
        sender: AGENT_WEBHOOK_SENDER,
        secret: this.config.AGENT_WEBHOOK_SECRET,
      };
    }
    const adapterId = address.replace(/^adapter:/, '');
    const url = this.callbacks.get(adapterId);
    const secret = this.secrets.get(adapterId);
    if (!url) throw new DeliveryError(`no callback URL for adapter ${adapterId}`, true);
    if (!secret) throw new DeliveryError(`no secret for adapter ${adapterId} (ADAPTER_SECRETS)`, true);
    return { url, sender: adapterId, secret };
  }

  async send(delivery: DeliveryRow): Promise<void> {
    if (!delivery.address || !delivery.message || !('body' in delivery.message)) {
      throw new DeliveryError('not a webhook delivery', true);
    }
    const { url, sender, secret } = this.target(delivery.address);
    const rawBody = JSON.stringify(delivery.message.body);
    const timestamp = Math.floor(Date.now() / 1000);
    let status: number;
    try {
      status = await this.post(url, rawBody, {
        'content-type': 'application/json',
        'x-relaydesk-adapter': sender,
        'x-relaydesk-timestamp': String(timestamp),
        'x-relaydesk-signature': signBody(secret, timestamp, rawBody),
        'idempotency-key': delivery.id,
      });
    } catch (error) {
      throw new DeliveryError(
        `POST ${new URL(url).host} failed: ${String((error as Error)?.message ?? error)}`,
        false,
      );
    }
    if (status >= 200 && status < 300) return;
    // 408 and 429 ask to come back later; other 4xx say this request will never be taken.
    const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
    throw new DeliveryError(`POST ${new URL(url).host} answered ${status}`, permanent);
  }

  /** POSTs the body; resolves with the status once the whole response was read. */
  private post(url: string, rawBody: string, headers: Record<string, string>): Promise<number> {
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    const agent = target.protocol === 'https:' ? this.agents['https:'] : this.agents['http:'];
    return new Promise<number>((resolve, reject) => {
      const request = client.request(
        target,
        {
          method: 'POST',
          agent,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(rawBody)) },
        },
        (response) => {
          response.on('error', fail);
          response.on('close', () => {
            if (!response.complete) fail(new Error('the connection closed before the whole answer'));
          });
          response.on('end', () => {
            clearTimeout(timer);
            resolve(response.statusCode ?? 0);
          });
          response.resume();
        },
      );
      const timer = setTimeout(
        () => request.destroy(new Error(`no answer within ${this.config.WEBHOOK_TIMEOUT_MS} ms`)),
        this.config.WEBHOOK_TIMEOUT_MS,
      );
      function fail(error: Error): void {
        clearTimeout(timer);
        reject(error);
      }
      request.on('error', fail);
      request.end(rawBody);
    });
  }

  onApplicationShutdown(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }
}

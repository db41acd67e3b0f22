import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import http from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { APP_CONFIG } from '@relaydesk/runtime';
import { type NotificationConfig, parsePairs } from '../config';
import { AGENT_WEBHOOK_ADDRESS, type ClaimedDelivery } from '../deliveries/delivery.model';
import { DeliveryError } from './delivery.error';
import { signBody } from './signature';

/** The sender id in `x-relaydesk-adapter` of alerts to the agents' chat tool. */
export const AGENT_WEBHOOK_SENDER = 'relaydesk';

/** Idle keep-alive connections are closed by us after this long (before a typical server's 5 s). */
const IDLE_SOCKET_MS = 4_000;

/** Where an address's requests go, resolved once per address. */
interface Target {
  client: typeof http | typeof https;
  options: http.RequestOptions;
  host: string;
  sender: string;
  secret: string;
}

/**
 * JSON POSTs signed like inbound adapter requests (API.md), with an `idempotency-key` that is the delivery
 * id: the same on every retry, so a receiver that saw it already can answer 2xx and do nothing.
 *
 * Requests go through node's http(s) client with a keep-alive agent (connections reused across
 * deliveries, at most WEBHOOK_CONCURRENCY per host) and a plain timer for WEBHOOK_TIMEOUT_MS: fetch's
 * web streams and AbortSignal.timeout cost more CPU than the rest of a delivery. Each address's URL is
 * parsed once.
 */
@Injectable()
export class WebhookTransport implements OnApplicationShutdown {
  private readonly callbacks: Map<string, string>;
  private readonly secrets: Map<string, string>;
  private readonly agents: { 'http:': http.Agent; 'https:': https.Agent };
  private readonly targets = new Map<string, Target>();

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

  private target(address: string): Target {
    const known = this.targets.get(address);
    if (known) return known;
    const { url, sender, secret } = this.resolve(address);
    const parsed = new URL(url);
    const secure = parsed.protocol === 'https:';
    const target: Target = {
      client: secure ? https : http,
      options: {
        ...urlToHttpOptions(parsed),
        method: 'POST',
        agent: secure ? this.agents['https:'] : this.agents['http:'],
      },
      host: parsed.host,
      sender,
      secret,
    };
    this.targets.set(address, target);
    return target;
  }

  private resolve(address: string): { url: string; sender: string; secret: string } {
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

  async send(delivery: ClaimedDelivery): Promise<void> {
    if (!delivery.address || !delivery.message || !('body' in delivery.message)) {
      throw new DeliveryError('not a webhook delivery', true);
    }
    const target = this.target(delivery.address);
    const rawBody = JSON.stringify(delivery.message.body);
    const timestamp = Math.floor(Date.now() / 1000);
    let status: number;
    try {
      status = await this.post(target, rawBody, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(rawBody)),
        'x-relaydesk-adapter': target.sender,
        'x-relaydesk-timestamp': String(timestamp),
        'x-relaydesk-signature': signBody(target.secret, timestamp, rawBody),
        'idempotency-key': delivery.id,
      });
    } catch (error) {
      throw new DeliveryError(
        `POST ${target.host} failed: ${String((error as Error)?.message ?? error)}`,
        false,
      );
    }
    if (status >= 200 && status < 300) return;
    // 408 and 429 ask to come back later; other 4xx say this request will never be taken.
    const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
    throw new DeliveryError(`POST ${target.host} answered ${status}`, permanent);
  }

  /** POSTs the body; resolves with the status once the whole response was read. */
  private post(target: Target, rawBody: string, headers: http.OutgoingHttpHeaders): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const request = target.client.request({ ...target.options, headers }, (response) => {
        response.on('error', fail);
        response.on('close', () => {
          if (!response.complete) fail(new Error('the connection closed before the whole answer'));
        });
        response.on('end', () => {
          clearTimeout(timer);
          resolve(response.statusCode ?? 0);
        });
        response.resume();
      });
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

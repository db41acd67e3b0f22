import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@relaydesk/runtime';
import { type NotificationConfig, parsePairs } from '../config';
import { AGENT_WEBHOOK_ADDRESS, type DeliveryRow } from '../deliveries/delivery.model';
import { DeliveryError } from './delivery.error';
import { signBody } from './signature';

/** The sender id in `x-relaydesk-adapter` of alerts to the agents' chat tool. */
export const AGENT_WEBHOOK_SENDER = 'relaydesk';

/**
 * JSON POSTs signed like inbound adapter requests (API.md), with an `idempotency-key` that is the delivery
 * id: the same on every retry, so a receiver that saw it already can answer 2xx and do nothing.
 */
@Injectable()
export class WebhookTransport {
  private readonly callbacks: Map<string, string>;
  private readonly secrets: Map<string, string>;

  constructor(@Inject(APP_CONFIG) private readonly config: NotificationConfig) {
    this.callbacks = parsePairs(config.ADAPTER_CALLBACKS);
    this.secrets = parsePairs(config.ADAPTER_SECRETS);
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
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-relaydesk-adapter': sender,
          'x-relaydesk-timestamp': String(timestamp),
          'x-relaydesk-signature': signBody(secret, timestamp, rawBody),
          'idempotency-key': delivery.id,
        },
        body: rawBody,
        signal: AbortSignal.timeout(this.config.WEBHOOK_TIMEOUT_MS),
      });
      await response.arrayBuffer().catch(() => undefined);
    } catch (error) {
      throw new DeliveryError(
        `POST ${new URL(url).host} failed: ${String((error as Error)?.message ?? error)}`,
        false,
      );
    }
    if (response.ok) return;
    const status = response.status;
    // 408 and 429 ask to come back later; other 4xx say this request will never be taken.
    const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
    throw new DeliveryError(`POST ${new URL(url).host} answered ${status}`, permanent);
  }
}

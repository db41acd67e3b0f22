import { Inject, Injectable, Logger } from '@nestjs/common';
import { Topic } from '@relaydesk/contracts';
import { OutboxService } from '@relaydesk/messaging';
import { APP_CONFIG, counter } from '@relaydesk/runtime';
import { DataSource } from 'typeorm';
import type { NotificationConfig } from '../config';
import { DeliveryError } from '../transports/delivery.error';
import { EmailTransport } from '../transports/email.transport';
import { WebhookTransport } from '../transports/webhook.transport';
import { DeliveriesRepository } from './deliveries.repository';
import type { DeliveryRow } from './delivery.model';

export type AttemptOutcome =
  | { outcome: 'sent' }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'retry'; error: string }
  | { outcome: 'failed'; error: string };

/**
 * One attempt of one delivery: claim it (counting the attempt; a delivery already sent or failed is
 * skipped, never sent again), send it, then record the outcome with its event in one transaction.
 */
@Injectable()
export class DeliveryProcessor {
  private readonly log = new Logger(DeliveryProcessor.name);
  private readonly attempts = counter(
    'relaydesk_notification_attempts_total',
    'Delivery attempts, by outcome',
    ['transport', 'outcome'],
  );

  constructor(
    @Inject(APP_CONFIG) private readonly config: NotificationConfig,
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly deliveries: DeliveriesRepository,
    private readonly email: EmailTransport,
    private readonly webhook: WebhookTransport,
  ) {}

  async attempt(deliveryId: string): Promise<AttemptOutcome> {
    const delivery = await this.deliveries.claim(this.dataSource.manager, deliveryId);
    if (!delivery) return { outcome: 'skipped', reason: 'not queued (already sent or failed)' };
    const transport = delivery.transport ?? 'webhook';
    try {
      if (delivery.transport === 'email') await this.email.send(delivery);
      else await this.webhook.send(delivery);
    } catch (error) {
      const failure = error instanceof DeliveryError ? error : new DeliveryError(String(error), false);
      const final = failure.permanent || delivery.attempts >= this.config.DELIVERY_MAX_ATTEMPTS;
      this.attempts.inc({ transport, outcome: final ? 'failed' : 'retry' });
      if (final) {
        await this.recordFailure(delivery, failure.message);
        return { outcome: 'failed', error: failure.message };
      }
      await this.deliveries.noteError(this.dataSource.manager, delivery.id, failure.message);
      this.log.warn(
        `delivery ${delivery.id} (${delivery.kind}, inquiry ${delivery.inquiry_id}) attempt ${delivery.attempts} failed: ${failure.message}`,
      );
      return { outcome: 'retry', error: failure.message };
    }
    await this.recordSent(delivery);
    this.attempts.inc({ transport, outcome: 'sent' });
    return { outcome: 'sent' };
  }

  private async recordSent(delivery: DeliveryRow): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [sent] = await this.deliveries.markSent(manager, [delivery.id]);
      if (!sent) return;
      await this.outbox.enqueue(manager, Topic.NotificationSent, {
        inquiryId: sent.inquiry_id,
        payload: {
          deliveryId: sent.id,
          inquiryId: sent.inquiry_id,
          kind: sent.kind,
          recipient: sent.recipient,
          channel: sent.channel,
          language: sent.language ?? 'en',
          attempts: sent.attempts,
          sentAt: (sent.sent_at ?? new Date()).toISOString(),
        },
      });
    });
  }

  private async recordFailure(delivery: DeliveryRow, error: string): Promise<void> {
    this.log.warn(
      `delivery ${delivery.id} (${delivery.kind}, inquiry ${delivery.inquiry_id}) failed for good: ${error}`,
    );
    await this.dataSource.transaction(async (manager) => {
      const failed = await this.deliveries.markFailed(manager, delivery.id, error);
      if (!failed) return;
      await this.outbox.enqueue(manager, Topic.NotificationFailed, {
        inquiryId: failed.inquiry_id,
        payload: {
          deliveryId: failed.id,
          inquiryId: failed.inquiry_id,
          kind: failed.kind,
          recipient: failed.recipient,
          channel: failed.channel,
          language: failed.language ?? 'en',
          attempts: Math.max(1, failed.attempts),
          error,
          failedAt: (failed.failed_at ?? new Date()).toISOString(),
        },
      });
    });
  }
}

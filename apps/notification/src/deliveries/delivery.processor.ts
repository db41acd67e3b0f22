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

const SENT_BATCH = 200;
const SENT_FLUSH_MS = 5;

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

  /**
   * Sent deliveries are recorded in small batches (one transaction for up to SENT_BATCH of them, or what
   * arrived within SENT_FLUSH_MS): at thousands per second one transaction and NOTIFY per delivery is the
   * bottleneck. Each job still completes only after its own row is committed.
   */
  private sentBatch: { delivery: DeliveryRow; done: () => void; failed: (error: unknown) => void }[] = [];
  private flushTimer?: NodeJS.Timeout;

  private recordSent(delivery: DeliveryRow): Promise<void> {
    return new Promise<void>((done, failed) => {
      this.sentBatch.push({ delivery, done, failed });
      if (this.sentBatch.length >= SENT_BATCH) this.flushSent();
      else this.flushTimer ??= setTimeout(() => this.flushSent(), SENT_FLUSH_MS);
    });
  }

  private flushSent(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.sentBatch;
    this.sentBatch = [];
    if (batch.length === 0) return;
    this.dataSource
      .transaction(async (manager) => {
        const sent = await this.deliveries.markSent(
          manager,
          batch.map((entry) => entry.delivery.id),
        );
        await this.outbox.enqueueAll(
          manager,
          sent.map((row) => ({
            topic: Topic.NotificationSent,
            event: {
              inquiryId: row.inquiry_id,
              payload: {
                deliveryId: row.id,
                inquiryId: row.inquiry_id,
                kind: row.kind,
                recipient: row.recipient,
                channel: row.channel,
                language: row.language ?? 'en',
                attempts: row.attempts,
                sentAt: (row.sent_at ?? new Date()).toISOString(),
              },
            },
          })),
        );
      })
      .then(
        () => batch.forEach((entry) => entry.done()),
        (error: unknown) => batch.forEach((entry) => entry.failed(error)),
      );
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

import { Inject, Injectable, Logger } from '@nestjs/common';
import { Topic } from '@relaydesk/contracts';
import { OutboxService } from '@relaydesk/messaging';
import { APP_CONFIG, counter } from '@relaydesk/runtime';
import { DataSource } from 'typeorm';
import type { NotificationConfig } from '../config';
import { DeliveryError } from '../transports/delivery.error';
import { EmailTransport } from '../transports/email.transport';
import { WebhookTransport } from '../transports/webhook.transport';
import { Batcher } from './batcher';
import { DeliveriesRepository } from './deliveries.repository';
import type { ClaimedDelivery } from './delivery.model';

/** Most deliveries one claim statement or one sent transaction covers. */
const BATCH_SIZE = 200;
/** Batches of each kind running at once: requests arriving meanwhile wait and form the next, larger batch. */
const BATCHES_IN_FLIGHT = 1;

export type AttemptOutcome =
  | { outcome: 'sent' }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'retry'; error: string }
  | { outcome: 'failed'; error: string };

/**
 * One attempt of one delivery: claim it (counting the attempt; a delivery already sent or failed is
 * skipped, never sent again), send it, then record the outcome with its event in one transaction.
 *
 * At thousands of deliveries per second one statement per claim and one transaction per sent delivery
 * are the bottleneck, so the claims of concurrent jobs are made by one UPDATE, and their sent records by
 * one transaction (UPDATE of the rows, INSERT of their notification.sent.v1 into the outbox). A batch
 * holds what arrived during the current turn of the event loop (or while the previous batches ran), at
 * most BATCH_SIZE; a lone delivery waits for nothing. Each job still sends only after its own claim
 * and completes only after its own `sent` is committed.
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
    const delivery = await this.claims.submit(deliveryId);
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

  private readonly claims = new Batcher<string, ClaimedDelivery | undefined>(
    async (ids) => {
      const claimed = new Map(
        (await this.deliveries.claim(this.dataSource.manager, [...new Set(ids)])).map((row) => [row.id, row]),
      );
      // The same delivery twice in one batch (a stalled job taken again while its first run claims):
      // only the first request gets it.
      return ids.map((id) => {
        const row = claimed.get(id);
        claimed.delete(id);
        return row;
      });
    },
    { maxSize: BATCH_SIZE, maxWaitMs: 0, maxInFlight: BATCHES_IN_FLIGHT },
  );

  private readonly sent = new Batcher<string, void>(
    async (ids) => {
      await this.dataSource.transaction(async (manager) => {
        const sent = await this.deliveries.markSent(manager, ids);
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
      });
      return ids.map(() => undefined);
    },
    { maxSize: BATCH_SIZE, maxWaitMs: 0, maxInFlight: BATCHES_IN_FLIGHT },
  );

  private recordSent(delivery: ClaimedDelivery): Promise<void> {
    return this.sent.submit(delivery.id);
  }

  private async recordFailure(delivery: ClaimedDelivery, error: string): Promise<void> {
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

import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { createRedis } from '@relaydesk/persistence';
import { APP_CONFIG } from '@relaydesk/runtime';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { NotificationConfig } from '../config';
import { DeliveryQueue, type DeliveryRef, priorityOf, queueOf } from './delivery.model';

/** The job of the delivery queues: which delivery to attempt (its content is in Postgres). */
export interface SendDeliveryJob {
  deliveryId: string;
}
export const SEND_DELIVERY = 'SendDelivery';

export const ACKNOWLEDGEMENT_GRACE_QUEUE = 'acknowledgement-grace';
export interface AcknowledgementGraceJob {
  inquiryId: string;
}
export const ACKNOWLEDGEMENT_GRACE = 'AcknowledgementGrace';
const graceJobId = (inquiryId: string) => `ack-grace-${inquiryId}`;

/**
 * The BullMQ queues: one per transport (`delivery-email`, `delivery-webhook`) and the acknowledgement
 * grace timers. Job ids are the delivery ids, so enqueuing a delivery twice (after a crash, by the
 * sweeper) adds one job. Within a queue, customer deliveries have a higher job priority than staff
 * alerts (see DeliveryPriority).
 */
@Injectable()
export class DeliveryQueues implements OnModuleDestroy {
  readonly connection: Redis;
  private readonly queues: Record<DeliveryQueue, Queue<SendDeliveryJob>>;
  readonly grace: Queue<AcknowledgementGraceJob>;

  constructor(@Inject(APP_CONFIG) private readonly config: NotificationConfig) {
    this.connection = createRedis(config.REDIS_URL);
    const options = { connection: this.connection, prefix: config.REDIS_KEY_PREFIX };
    this.queues = {
      [DeliveryQueue.Email]: new Queue<SendDeliveryJob>(DeliveryQueue.Email, options),
      [DeliveryQueue.Webhook]: new Queue<SendDeliveryJob>(DeliveryQueue.Webhook, options),
    };
    this.grace = new Queue<AcknowledgementGraceJob>(ACKNOWLEDGEMENT_GRACE_QUEUE, options);
  }

  queue(name: DeliveryQueue): Queue<SendDeliveryJob> {
    return this.queues[name];
  }

  async enqueue(deliveries: readonly DeliveryRef[]): Promise<void> {
    const byQueue = new Map<DeliveryQueue, DeliveryRef[]>();
    for (const delivery of deliveries) {
      const name = queueOf(delivery.transport);
      const refs = byQueue.get(name) ?? [];
      refs.push(delivery);
      byQueue.set(name, refs);
    }
    for (const [name, refs] of byQueue) {
      await this.queues[name].addBulk(
        refs.map((ref) => ({
          name: SEND_DELIVERY,
          data: { deliveryId: ref.id },
          opts: {
            jobId: ref.id,
            priority: priorityOf(ref.recipient),
            // Postgres decides when to stop (DELIVERY_MAX_ATTEMPTS); BullMQ only needs room for that many.
            attempts: this.config.DELIVERY_MAX_ATTEMPTS + 1,
            backoff: { type: 'custom' },
            removeOnComplete: true,
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        })),
      );
    }
  }

  async armGrace(inquiryId: string, delayMs: number): Promise<void> {
    await this.grace.add(
      ACKNOWLEDGEMENT_GRACE,
      { inquiryId },
      {
        jobId: graceJobId(inquiryId),
        delay: Math.max(0, delayMs),
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    );
  }

  /** Removes the grace timers of acknowledged inquiries (one running now is left to end by itself). */
  async cancelGrace(inquiryIds: readonly string[]): Promise<void> {
    await Promise.all(inquiryIds.map((inquiryId) => this.grace.remove(graceJobId(inquiryId))));
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...Object.values(this.queues), this.grace].map((queue) => queue.close()));
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}

import { type EventEnvelope, type PayloadOf, Topic } from '@relaydesk/contracts';
import { testKafka } from '@relaydesk/testing';
import type { Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';

/** Produces events as the other services would, on a run's topic prefix. */
export class EventSender {
  private constructor(
    private readonly producer: Producer,
    private readonly prefix: string,
  ) {}

  static async start(prefix: string): Promise<EventSender> {
    const producer = testKafka('intake-test-sender').producer();
    await producer.connect();
    return new EventSender(producer, prefix);
  }

  async send<T extends Topic>(topic: T, inquiryId: string, payload: PayloadOf<T>): Promise<EventEnvelope<T>> {
    const envelope: EventEnvelope<T> = {
      id: randomUUID(),
      type: topic.replace(/\.v\d+$/, ''),
      version: 1,
      occurredAt: new Date().toISOString(),
      inquiryId,
      correlationId: randomUUID(),
      causationId: null,
      payload,
    };
    await this.resend(topic, envelope);
    return envelope;
  }

  /** Delivers an envelope (again): at-least-once delivery in action. */
  async resend<T extends Topic>(topic: T, envelope: EventEnvelope<T>): Promise<void> {
    await this.producer.send({
      topic: `${this.prefix}${topic}`,
      messages: [{ key: envelope.inquiryId, value: JSON.stringify(envelope) }],
    });
  }

  stop(): Promise<void> {
    return this.producer.disconnect();
  }
}

export const at = (offsetSeconds: number) => new Date(Date.now() + offsetSeconds * 1000).toISOString();

export function classified(inquiryId: string, offsetSeconds = 1): PayloadOf<typeof Topic.InquiryClassified> {
  return {
    inquiryId,
    classifierVersion: 'test-1',
    category: 'deposit_withdrawal',
    priority: 'high',
    language: 'ja',
    confidence: { category: 0.9, priority: 0.8, language: 0.99 },
    needsReview: false,
    entities: {
      txHashes: [],
      addresses: [],
      assets: ['BTC'],
      networks: [],
      amounts: [],
      orderIds: [],
      withdrawalIds: [],
    },
    suggestedArticles: [],
    channel: 'chat',
    customerTier: 'vip',
    acceptedAt: at(0),
    reclassification: false,
    classifiedAt: at(offsetSeconds),
  };
}

export { Topic };

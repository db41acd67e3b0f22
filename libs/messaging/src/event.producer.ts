import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { EventEnvelope } from '@relaydesk/contracts';
import { APP_CONFIG } from '@relaydesk/runtime';
import { CompressionTypes, type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';
import { EventHeader, type KafkaHeaders } from './headers';
import { type MessagingConfig, physicalTopic } from './messaging.config';
import { KAFKA } from './tokens';

export interface OutgoingRecord {
  /** Logical topic; the configured prefix is added here. */
  topic: string;
  key: string;
  value: string;
  headers: KafkaHeaders;
}

export function recordOf(topic: string, envelope: EventEnvelope): OutgoingRecord {
  return {
    topic,
    // Key = inquiry id: every event of one inquiry lands on one partition, in order.
    key: envelope.inquiryId,
    value: JSON.stringify(envelope),
    headers: {
      [EventHeader.EventId]: envelope.id,
      [EventHeader.EventType]: `${envelope.type}.v${envelope.version}`,
      [EventHeader.CorrelationId]: envelope.correlationId,
      ...(envelope.causationId ? { [EventHeader.CausationId]: envelope.causationId } : {}),
      [EventHeader.ContentType]: 'application/json',
    },
  };
}

/**
 * The raw Kafka producer. Services never publish domain events through it directly: they write them
 * to the outbox in their transaction, and the relay publishes. Only the relay and the dead-letter path use it.
 */
@Injectable()
export class EventProducer implements OnApplicationShutdown {
  private producer?: Promise<Producer>;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(APP_CONFIG) private readonly config: MessagingConfig,
  ) {}

  private connected(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: true,
      });
      await producer.connect();
      return producer;
    })().catch((error: unknown) => {
      this.producer = undefined;
      throw error;
    });
    return this.producer;
  }

  async send(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const record of records) {
      const topic = physicalTopic(this.config, record.topic);
      const messages = byTopic.get(topic) ?? [];
      messages.push({ key: record.key, value: record.value, headers: record.headers });
      byTopic.set(topic, messages);
    }
    const producer = await this.connected();
    await producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    const producer = await this.producer?.catch(() => undefined);
    await producer?.disconnect();
  }
}

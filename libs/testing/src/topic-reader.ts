import type { Consumer, KafkaMessage } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { testKafka } from './infrastructure';

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

function toRead(topic: string, partition: number, message: KafkaMessage): ReadMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = (Array.isArray(value) ? value[0] : value)?.toString() ?? '';
  }
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    value: message.value?.toString() ?? null,
    headers,
  };
}

/** Collects every message of some topics from the beginning, with a throwaway consumer group. */
export class TopicReader {
  readonly messages: ReadMessage[] = [];
  private consumer?: Consumer;

  static async start(topics: string[]): Promise<TopicReader> {
    const reader = new TopicReader();
    const consumer = testKafka('relaydesk-test-reader').consumer({
      groupId: `reader-${randomUUID()}`,
      maxWaitTimeInMs: 100,
    });
    reader.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        reader.messages.push(toRead(topic, partition, message));
      },
    });
    return reader;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

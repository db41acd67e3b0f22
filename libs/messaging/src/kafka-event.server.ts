import { Inject, Injectable, Logger } from '@nestjs/common';
import { type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import {
  deadLetterTopicOf,
  InvalidEventError,
  parseEnvelope,
  type Topic,
  TopicSchemas,
} from '@relaydesk/contracts';
import { APP_CONFIG, counter, enrichContext, histogram, runInContext } from '@relaydesk/runtime';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { isObservable, lastValueFrom } from 'rxjs';
import { describeError, isRetryable } from './errors';
import { EventContext } from './event.context';
import { EventProducer } from './event.producer';
import { DeadLetterHeader, decodeHeaders, EventHeader, type KafkaHeaders } from './headers';
import { logicalTopic, type MessagingConfig, physicalTopic } from './messaging.config';
import { TopicAdmin } from './topic.admin';
import { KAFKA } from './tokens';

/** Commit at least this often within a long batch, so a crash redelivers little. */
const COMMIT_EVERY_MESSAGES = 50;

/**
 * A NestJS custom transport strategy over kafkajs: `@EventPattern(Topic.X)` handlers, at-least-once.
 *
 * Per message, in partition order: the envelope is validated against the topic's schema (invalid: to
 * `<topic>.dlq` at once), the handler runs with bounded retries and exponential backoff (exhausted:
 * to the dead-letter topic, the partition moves on), and only then is offset + 1 committed.
 */
@Injectable()
export class KafkaEventServer extends Server implements CustomTransportStrategy {
  private readonly log = new Logger(KafkaEventServer.name);
  private consumer?: Consumer;
  private readonly handled = counter('relaydesk_events_consumed_total', 'Events consumed, by outcome', [
    'topic',
    'outcome',
  ]);
  private readonly deadLettered = counter(
    'relaydesk_events_dead_lettered_total',
    'Events moved to a dead-letter topic',
    ['topic'],
  );
  private readonly duration = histogram('relaydesk_event_handler_seconds', 'Handler duration', ['topic']);

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(APP_CONFIG) private readonly config: MessagingConfig,
    private readonly producer: EventProducer,
    private readonly topics: TopicAdmin,
  ) {
    super();
  }

  /** The logical topics this process has handlers for. */
  subscribedTopics(): Topic[] {
    const topics = [...this.getHandlers().keys()];
    for (const topic of topics) {
      if (!(topic in TopicSchemas))
        throw new Error(`@EventPattern('${topic}') names no topic of the catalog`);
    }
    return topics as Topic[];
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const topics = this.subscribedTopics();
      if (topics.length === 0) return callback();
      await this.topics.ensureTopics(topics, { withDeadLetters: true });
      // New topics take a moment to reach the metadata of every broker connection: a subscription that
      // races them is retried with a fresh consumer rather than failing the start.
      for (let attempt = 1; ; attempt++) {
        try {
          await this.startConsumer(topics);
          break;
        } catch (error) {
          await this.consumer?.disconnect().catch(() => undefined);
          this.consumer = undefined;
          if (attempt >= 8) throw error;
          const delay = Math.min(250 * 2 ** attempt, 8_000);
          this.log.warn(`subscribing failed (${describeError(error)}); retrying in ${delay} ms`);
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
      this.log.log(`consuming ${topics.join(', ')} as group ${this.config.KAFKA_GROUP_ID}`);
      callback();
    } catch (error) {
      callback(error);
    }
  }

  private async startConsumer(topics: Topic[]): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.config.KAFKA_GROUP_ID,
      sessionTimeout: this.config.KAFKA_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.floor(this.config.KAFKA_SESSION_TIMEOUT_MS / 10),
      maxWaitTimeInMs: this.config.KAFKA_FETCH_MAX_WAIT_MS,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({
      topics: topics.map((topic) => physicalTopic(this.config, topic)),
      fromBeginning: true,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.config.CONSUMER_PARTITION_CONCURRENCY,
      eachBatch: (payload) => this.handleBatch(consumer, payload),
    });
  }

  private async handleBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    let uncommitted: string | undefined;
    let sinceCommit = 0;
    const commit = async () => {
      if (uncommitted === undefined) return;
      const offset = (BigInt(uncommitted) + 1n).toString();
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset }]);
      uncommitted = undefined;
      sinceCommit = 0;
    };
    for (const message of batch.messages) {
      // Stopping or rebalanced away: keep what is done, leave the rest to whoever owns the partition.
      if (!isRunning() || isStale()) break;
      await this.handleMessage(batch.topic, batch.partition, message, heartbeat);
      resolveOffset(message.offset);
      uncommitted = message.offset;
      if (++sinceCommit >= COMMIT_EVERY_MESSAGES) await commit();
      await heartbeat();
    }
    await commit();
  }

  private async handleMessage(
    topicName: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const topic = logicalTopic(this.config, topicName) as Topic;
    const headers = decodeHeaders(message.headers);
    const correlationId =
      headers[EventHeader.CorrelationId] ?? `kafka:${topicName}:${partition}:${message.offset}`;
    await runInContext({ correlationId, eventId: headers[EventHeader.EventId] }, async () => {
      let envelope;
      try {
        envelope = parseEnvelope(topic, JSON.parse(message.value?.toString() ?? 'null'));
      } catch (error) {
        const reason =
          error instanceof InvalidEventError ? error.message : `unreadable message: ${describeError(error)}`;
        await this.deadLetter(topic, partition, message, headers, reason, 0);
        this.handled.inc({ topic, outcome: 'invalid' });
        return;
      }
      enrichContext({
        inquiryId: envelope.inquiryId,
        correlationId: envelope.correlationId,
        eventId: envelope.id,
      });
      await this.runHandler(topic, partition, message, headers, envelope, heartbeat);
    });
  }

  private async runHandler(
    topic: Topic,
    partition: number,
    message: KafkaMessage,
    headers: KafkaHeaders,
    envelope: unknown,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const handler = this.getHandlerByPattern(topic);
    if (!handler) throw new Error(`no handler for ${topic}`);
    const maxAttempts = this.config.CONSUMER_MAX_ATTEMPTS;
    for (let attempt = 1; ; attempt++) {
      const context = new EventContext([topic, partition, message.offset, headers, attempt]);
      const stopTimer = this.duration.startTimer({ topic });
      try {
        const outcome = await this.invokeChain(handler, envelope, context);
        stopTimer();
        const label =
          typeof outcome === 'object' && outcome && 'outcome' in outcome
            ? String(outcome.outcome)
            : 'handled';
        this.handled.inc({ topic, outcome: label });
        return;
      } catch (error) {
        stopTimer();
        const retryable = isRetryable(error);
        if (!retryable || attempt >= maxAttempts) {
          this.log.error(
            `${topic} ${partition}:${message.offset} failed for good after ${attempt} attempt(s): ${describeError(error)}`,
          );
          await this.deadLetter(topic, partition, message, headers, describeError(error), attempt);
          this.handled.inc({ topic, outcome: 'dead_lettered' });
          return;
        }
        const delay = this.backoff(attempt);
        this.log.warn(
          `${topic} ${partition}:${message.offset} attempt ${attempt} failed (${describeError(error)}); retrying in ${delay} ms`,
        );
        await this.pause(delay, heartbeat);
      }
    }
  }

  /** Every handler registered for the pattern (Nest chains several of one pattern through `next`). */
  private async invokeChain(handler: MessageHandler, data: unknown, context: EventContext): Promise<unknown> {
    let result: unknown;
    for (let current: MessageHandler | undefined = handler; current; current = current.next) {
      const returned: unknown = await current(data, context);
      result = isObservable(returned) ? await lastValueFrom(returned, { defaultValue: undefined }) : returned;
    }
    return result;
  }

  private backoff(attempt: number): number {
    const base = this.config.CONSUMER_RETRY_BASE_MS * 2 ** (attempt - 1);
    return Math.round(base / 2 + Math.random() * (base / 2));
  }

  private async pause(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, until - Date.now())));
      await heartbeat();
    }
  }

  private async deadLetter(
    topic: Topic,
    partition: number,
    message: KafkaMessage,
    headers: KafkaHeaders,
    reason: string,
    attempts: number,
  ): Promise<void> {
    await this.producer.send([
      {
        topic: deadLetterTopicOf(topic),
        key: message.key?.toString() ?? '',
        value: message.value?.toString() ?? '',
        headers: {
          ...headers,
          [DeadLetterHeader.Error]: reason.slice(0, 4_000),
          [DeadLetterHeader.OriginalTopic]: physicalTopic(this.config, topic),
          [DeadLetterHeader.OriginalPartition]: String(partition),
          [DeadLetterHeader.OriginalOffset]: message.offset,
          [DeadLetterHeader.Attempts]: String(attempts),
          [DeadLetterHeader.ConsumerGroup]: this.config.KAFKA_GROUP_ID,
          [DeadLetterHeader.FailedAt]: new Date().toISOString(),
        },
      },
    ]);
    this.deadLettered.inc({ topic });
    this.log.warn(`${topic} ${partition}:${message.offset} moved to ${deadLetterTopicOf(topic)}: ${reason}`);
  }

  on(): never {
    throw new Error('KafkaEventServer has no events to listen to');
  }

  unwrap<T>(): T {
    if (!this.consumer) throw new Error('KafkaEventServer is not listening');
    return this.consumer as T;
  }

  async close(): Promise<void> {
    // disconnect() lets the batch in hand finish (handleBatch stops at the next message and commits).
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }
}

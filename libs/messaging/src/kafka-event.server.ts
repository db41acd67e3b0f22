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
import { DataSource, type QueryRunner } from 'typeorm';
import { describeError, isRetryable } from './errors';
import { EventContext } from './event.context';
import { EventProducer } from './event.producer';
import { DeadLetterHeader, decodeHeaders, EventHeader, type KafkaHeaders } from './headers';
import { logicalTopic, type MessagingConfig, physicalTopic } from './messaging.config';
import { TopicAdmin } from './topic.admin';
import { KAFKA } from './tokens';
import { runInUnitOfWork, UnitOfWork } from './unit-of-work';

interface OpenBatch {
  unit: UnitOfWork;
  runner: QueryRunner;
  messages: KafkaMessage[];
  openedAt: number;
}

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
  private readonly handlerByTopic = new Map<Topic, MessageHandler>();
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
  private readonly batchSize = histogram(
    'relaydesk_consumer_batch_events',
    'Events committed by one batch transaction',
    ['topic'],
    [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
  );

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(APP_CONFIG) private readonly config: MessagingConfig,
    private readonly producer: EventProducer,
    private readonly topics: TopicAdmin,
    private readonly dataSource: DataSource,
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

  /**
   * A partition's batch, in order. Events are handled in one Postgres transaction (`UnitOfWork`) that
   * commits every `CONSUMER_BATCH_SIZE` events or `CONSUMER_BATCH_MAX_MS`; then the handlers'
   * after-commit hooks run and the offsets are committed. No savepoints: they would cost two round
   * trips per event and overflow Postgres' subtransaction cache past 64. Instead, when a handler throws,
   * the batch is rolled back, the events before it are handled again in a new batch, and the one that
   * threw is handled on its own, with the usual retries and dead letters. An invalid event ends the
   * batch (what came before commits) and goes to the dead-letter topic.
   */
  private async handleBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const topic = logicalTopic(this.config, batch.topic) as Topic;
    let uncommitted: string | undefined;
    let sinceCommit = 0;
    const commitOffsets = async () => {
      if (uncommitted === undefined) return;
      const offset = (BigInt(uncommitted) + 1n).toString();
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset }]);
      uncommitted = undefined;
      sinceCommit = 0;
    };
    const done = async (message: KafkaMessage) => {
      resolveOffset(message.offset);
      uncommitted = message.offset;
      if (++sinceCommit >= COMMIT_EVERY_MESSAGES) await commitOffsets();
    };
    const alone = async (message: KafkaMessage) => {
      await this.handleMessage(topic, batch.partition, message, heartbeat);
      await done(message);
    };

    let open: OpenBatch | undefined;
    const flush = async () => {
      if (!open) return;
      const closing = open;
      open = undefined;
      for (const message of await this.commitBatch(topic, batch.partition, closing)) {
        if (message.handled) await done(message.message);
        else await alone(message.message);
      }
      await heartbeat();
    };

    const { messages } = batch;
    const onTheirOwn = new Set<string>(); // offsets that failed in a batch
    for (let index = 0; index < messages.length;) {
      // Stopping or rebalanced away: keep what is done, leave the rest to whoever owns the partition.
      if (!isRunning() || isStale()) break;
      const message = messages[index];
      if (this.config.CONSUMER_BATCH_SIZE > 1 && !onTheirOwn.has(message.offset)) {
        open ??= await this.openBatch();
        const result = await this.tryInBatch(open, topic, batch.partition, message);
        if (result === 'handled') {
          index++;
          if (
            open.messages.length >= this.config.CONSUMER_BATCH_SIZE ||
            Date.now() - open.openedAt >= this.config.CONSUMER_BATCH_MAX_MS
          )
            await flush();
          continue;
        }
        if (result === 'failed') {
          // The transaction may be aborted: undo the batch, redo what preceded this message in a new one.
          onTheirOwn.add(message.offset);
          index -= open.messages.length;
          await this.abandon(open);
          open = undefined;
          continue;
        }
        await flush(); // invalid: nothing of it is in the batch; it goes to the dead-letter topic below
      } else await flush();
      await alone(message);
      index++;
      await heartbeat();
    }
    if (open && (!isRunning() || isStale())) await this.abandon(open);
    else await flush();
    await commitOffsets();
  }

  private async openBatch(): Promise<OpenBatch> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.startTransaction();
    } catch (error) {
      await runner.release().catch(() => undefined);
      throw error;
    }
    return { unit: new UnitOfWork(runner.manager, true), runner, messages: [], openedAt: Date.now() };
  }

  /**
   * Handles `message` once inside the batch transaction: `handled`, `invalid` (not valid for its topic,
   * nothing done) or `failed` (the handler threw; the transaction may be aborted and must be undone).
   */
  private async tryInBatch(
    open: OpenBatch,
    topic: Topic,
    partition: number,
    message: KafkaMessage,
  ): Promise<'handled' | 'invalid' | 'failed'> {
    const headers = decodeHeaders(message.headers);
    let envelope;
    try {
      envelope = parseEnvelope(topic, JSON.parse(message.value?.toString() ?? 'null'));
    } catch {
      return 'invalid';
    }
    const { unit } = open;
    unit.message = open.messages.length;
    const context = {
      correlationId: envelope.correlationId,
      eventId: envelope.id,
      inquiryId: envelope.inquiryId,
    };
    try {
      await runInContext(context, () =>
        runInUnitOfWork(unit, () =>
          this.invokeOnce(topic, envelope, new EventContext([topic, partition, message.offset, headers, 1])),
        ),
      );
      open.messages.push(message);
      return 'handled';
    } catch (error) {
      this.log.warn(
        `${topic} ${partition}:${message.offset} failed in a batch (${describeError(error)}); handling it on its own`,
      );
      return 'failed';
    }
  }

  /** Rolls the batch transaction back; its hooks never run. */
  private async abandon(open: OpenBatch): Promise<void> {
    try {
      await open.runner.rollbackTransaction();
    } catch (error) {
      this.log.warn(`rolling a batch back failed (${describeError(error)})`);
    } finally {
      await open.runner.release().catch(() => undefined);
    }
  }

  /**
   * Writes what the handlers buffered (their outbox rows), commits the batch transaction and runs its
   * after-commit hooks. Returns each message with whether it
   * is done: all of them; or, when the commit failed, none (handled again on their own, their effects
   * were rolled back); or all but those whose hook failed (handled again on their own, they find
   * themselves already processed, which is a handler's cue to repair what the hook missed).
   */
  private async commitBatch(
    topic: Topic,
    partition: number,
    open: OpenBatch,
  ): Promise<{ message: KafkaMessage; handled: boolean }[]> {
    const { unit, runner, messages } = open;
    try {
      await unit.writeBuffered();
      await runner.commitTransaction();
    } catch (error) {
      this.log.warn(
        `${topic} ${partition}: batch of ${messages.length} did not commit (${describeError(error)})`,
      );
      await runner.rollbackTransaction().catch(() => undefined);
      return messages.map((message) => ({ message, handled: false }));
    } finally {
      await runner.release().catch(() => undefined);
    }
    this.batchSize.observe({ topic }, messages.length);
    const failed = await unit.runHooks();
    for (const [index, error] of failed) {
      this.log.warn(
        `${topic} ${partition}:${messages[index].offset} after-commit work failed (${describeError(error)}); handling it again`,
      );
    }
    return messages.map((message, index) => ({ message, handled: !failed.has(index) }));
  }

  private async handleMessage(
    topic: Topic,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const headers = decodeHeaders(message.headers);
    const correlationId =
      headers[EventHeader.CorrelationId] ?? `kafka:${topic}:${partition}:${message.offset}`;
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
    const maxAttempts = this.config.CONSUMER_MAX_ATTEMPTS;
    for (let attempt = 1; ; attempt++) {
      const context = new EventContext([topic, partition, message.offset, headers, attempt]);
      try {
        await this.invokeOnce(topic, envelope, context);
        return;
      } catch (error) {
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

  /** One attempt of the topic's handlers, timed and counted by outcome; throws what the handler threw. */
  private async invokeOnce(topic: Topic, envelope: unknown, context: EventContext): Promise<void> {
    const handler = this.handlerOf(topic);
    const stopTimer = this.duration.startTimer({ topic });
    try {
      const outcome = await this.invokeChain(handler, envelope, context);
      const label =
        typeof outcome === 'object' && outcome && 'outcome' in outcome ? String(outcome.outcome) : 'handled';
      this.handled.inc({ topic, outcome: label });
    } finally {
      stopTimer();
    }
  }

  /** The topic's handler (Nest normalises the pattern on every lookup: worth remembering). */
  private handlerOf(topic: Topic): MessageHandler {
    let handler = this.handlerByTopic.get(topic);
    if (!handler) {
      handler = this.getHandlerByPattern(topic) ?? undefined;
      if (!handler) throw new Error(`no handler for ${topic}`);
      this.handlerByTopic.set(topic, handler);
    }
    return handler;
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

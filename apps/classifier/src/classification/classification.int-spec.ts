import { deadLetterTopicOf, type EventEnvelope, type PayloadOf, Topic } from '@relaydesk/contracts';
import { DeadLetterHeader, KafkaEventServer } from '@relaydesk/messaging';
import {
  cleanUpRun,
  isolatedEnv,
  type RunningService,
  startTestService,
  testKafka,
  testRunId,
  TopicReader,
  waitFor,
  withPg,
} from '@relaydesk/testing';
import type { Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../app.module';
import { loadClassifierConfig } from '../config';

const runId = testRunId();
const env = isolatedEnv(runId, 'classifier');
const config = loadClassifierConfig({ ...process.env, ...env });
const prefix = env['KAFKA_TOPIC_PREFIX'];
const schema = env['DB_SCHEMA'];
const receivedTopic = `${prefix}${Topic.InquiryReceived}`;
const messageAddedTopic = `${prefix}${Topic.InquiryMessageAdded}`;
const classifiedTopic = `${prefix}${Topic.InquiryClassified}`;

const WITHDRAWAL_PENDING =
  '昨日 0.5 BTC を出金申請しましたが、まだ「処理中」のままで着金しません。出金ID: WD-20481234 です。確認をお願いします。';
const SOMEONE_WITHDREW =
  '追記：先ほど確認したら、私が知らない出金がもう一件ありました。誰かが勝手に 2 ETH を出金しています！';

function envelope<T extends Topic>(topic: T, inquiryId: string, payload: PayloadOf<T>): EventEnvelope<T> {
  const [type, version] = [topic.replace(/\.v\d+$/, ''), Number(/\.v(\d+)$/.exec(topic)![1])];
  return {
    id: randomUUID(),
    type,
    version,
    occurredAt: new Date().toISOString(),
    inquiryId,
    correlationId: randomUUID(),
    causationId: null,
    payload,
  };
}

function received(
  inquiryId: string,
  body: string,
  subject?: string,
): EventEnvelope<typeof Topic.InquiryReceived> {
  const now = new Date().toISOString();
  return envelope(Topic.InquiryReceived, inquiryId, {
    inquiryId,
    messageId: randomUUID(),
    adapterId: 'demo',
    externalId: randomUUID(),
    channel: 'email',
    customer: { tier: 'vip', locale: 'ja-JP' },
    ...(subject ? { subject } : {}),
    body,
    receivedAt: now,
    acceptedAt: now,
  });
}

function messageAdded(inquiryId: string, body: string): EventEnvelope<typeof Topic.InquiryMessageAdded> {
  const now = new Date().toISOString();
  return envelope(Topic.InquiryMessageAdded, inquiryId, {
    inquiryId,
    messageId: randomUUID(),
    adapterId: 'demo',
    externalId: randomUUID(),
    channel: 'email',
    body,
    receivedAt: now,
    acceptedAt: now,
  });
}

describe('classifier service against the real Kafka and Postgres', () => {
  let service: RunningService;
  let producer: Producer;
  let reader: TopicReader;

  beforeAll(async () => {
    service = await startTestService(AppModule.forRoot(config), {
      config,
      openApi: { title: 'classifier', description: 'test' },
      transports: [KafkaEventServer],
    });
    producer = testKafka().producer();
    await producer.connect();
    reader = await TopicReader.start([classifiedTopic, deadLetterTopicOf(receivedTopic)]);
  });

  afterAll(async () => {
    await reader?.stop();
    await producer?.disconnect();
    await service?.close();
    await cleanUpRun(runId);
  });

  const send = (topic: string, event: unknown, key: string) =>
    producer.send({ topic, messages: [{ key, value: JSON.stringify(event) }] });

  const classifiedOf = (inquiryId: string): EventEnvelope<typeof Topic.InquiryClassified>[] =>
    reader.messages
      .filter((message) => message.topic === classifiedTopic && message.key === inquiryId)
      .map((message) => JSON.parse(message.value!) as EventEnvelope<typeof Topic.InquiryClassified>);

  const waitForClassified = (inquiryId: string, count: number) =>
    waitFor(
      () => {
        const found = classifiedOf(inquiryId);
        return found.length >= count && found;
      },
      { timeoutMs: 30_000, what: `${count} inquiry.classified for ${inquiryId}` },
    );

  it('classifies a Japanese inquiry, then re-classifies the thread when a follow-up reports a withdrawal the customer did not make', async () => {
    const inquiryId = randomUUID();
    const first = received(inquiryId, WITHDRAWAL_PENDING, '出金が届きません');
    await send(receivedTopic, first, inquiryId);
    const [classified] = await waitForClassified(inquiryId, 1);
    expect(classified.causationId).toBe(first.id);
    expect(classified.correlationId).toBe(first.correlationId);
    const payload = classified.payload;
    expect(payload).toMatchObject({
      inquiryId,
      classifierVersion: expect.any(String),
      category: 'deposit_withdrawal',
      priority: 'high',
      language: 'ja',
      channel: 'email',
      customerTier: 'vip',
      acceptedAt: first.payload.acceptedAt,
      reclassification: false,
    });
    expect(payload.previousPriority).toBeUndefined();
    expect(payload.confidence.category).toBeGreaterThan(0);
    expect(typeof payload.needsReview).toBe('boolean');
    expect(payload.entities.withdrawalIds).toEqual(['WD-20481234']);
    expect(payload.entities.amounts).toContainEqual({ value: 0.5, unit: 'BTC', text: '0.5 BTC' });
    expect(payload.suggestedArticles.length).toBeGreaterThan(0);
    expect(payload.suggestedArticles.length).toBeLessThanOrEqual(3);
    expect(payload.suggestedArticles.every((article) => article.language === 'ja')).toBe(true);
    expect(Date.parse(payload.classifiedAt)).not.toBeNaN();

    const followUp = messageAdded(inquiryId, SOMEONE_WITHDREW);
    await send(messageAddedTopic, followUp, inquiryId);
    const [, again] = await waitForClassified(inquiryId, 2);
    expect(again.causationId).toBe(followUp.id);
    expect(again.payload).toMatchObject({
      category: 'security',
      priority: 'urgent',
      previousPriority: 'high',
      reclassification: true,
      customerTier: 'vip',
      acceptedAt: first.payload.acceptedAt,
    });
    // The whole thread was read: the original's facts are still there, with the follow-up's.
    expect(again.payload.entities.withdrawalIds).toEqual(['WD-20481234']);
    expect(again.payload.entities.assets).toEqual(expect.arrayContaining(['BTC', 'ETH']));

    const log = await withPg(async (client) => {
      const { rows } = await client.query<{
        classifier_version: string;
        priority: string;
        reclassification: boolean;
      }>(
        `SELECT classifier_version, priority, reclassification FROM "${schema}".classification_log WHERE inquiry_id = $1 ORDER BY seq`,
        [inquiryId],
      );
      return rows;
    });
    expect(log).toEqual([
      { classifier_version: payload.classifierVersion, priority: 'high', reclassification: false },
      { classifier_version: payload.classifierVersion, priority: 'urgent', reclassification: true },
    ]);
  });

  it('never lowers the priority on a calming follow-up', async () => {
    const inquiryId = randomUUID();
    await send(receivedTopic, received(inquiryId, WITHDRAWAL_PENDING), inquiryId);
    await waitForClassified(inquiryId, 1);
    await send(
      messageAddedTopic,
      messageAdded(inquiryId, 'ありがとうございます。急ぎではないです。'),
      inquiryId,
    );
    const [, again] = await waitForClassified(inquiryId, 2);
    expect(again.payload.priority).toBe('high');
    expect(again.payload.reclassification).toBe(true);
  });

  it('keeps a follow-up that overtakes its inquiry.received and classifies the whole thread when it arrives', async () => {
    const inquiryId = randomUUID();
    await send(messageAddedTopic, messageAdded(inquiryId, SOMEONE_WITHDREW), inquiryId);
    await waitFor(
      () =>
        withPg(async (client) => {
          const { rows } = await client.query(
            `SELECT 1 FROM "${schema}".inquiry_messages WHERE inquiry_id = $1`,
            [inquiryId],
          );
          return rows.length === 1;
        }),
      { timeoutMs: 30_000, what: 'the early follow-up stored' },
    );
    expect(classifiedOf(inquiryId)).toHaveLength(0);
    await send(receivedTopic, received(inquiryId, WITHDRAWAL_PENDING), inquiryId);
    const [classified] = await waitForClassified(inquiryId, 1);
    expect(classified.payload).toMatchObject({
      priority: 'urgent',
      category: 'security',
      reclassification: false,
    });
  });

  it('publishes nothing new for a redelivered event', async () => {
    const inquiryId = randomUUID();
    const event = received(inquiryId, 'How do I change the email address on my account?');
    await send(receivedTopic, event, inquiryId);
    await waitForClassified(inquiryId, 1);
    await send(receivedTopic, event, inquiryId);
    await send(receivedTopic, event, inquiryId);
    // A marker behind the duplicates on the same partition: once it is classified, they were handled.
    const markerId = randomUUID();
    // Sent with the duplicates' key, so it lands behind them on their partition.
    await send(receivedTopic, received(markerId, 'marker'), inquiryId);
    await waitForClassified(markerId, 1);
    expect(classifiedOf(inquiryId)).toHaveLength(1);
  });

  it('sends an invalid payload to the dead-letter topic with its reason, and nothing is classified', async () => {
    const inquiryId = randomUUID();
    const event = received(inquiryId, 'no body');
    const invalid = { ...event, payload: { ...event.payload, body: '', channel: 'fax' } };
    await send(receivedTopic, invalid, inquiryId);
    const dead = await waitFor(
      () => {
        const found = reader.messages.find(
          (message) => message.topic === deadLetterTopicOf(receivedTopic) && message.key === inquiryId,
        );
        return found ?? false;
      },
      { timeoutMs: 30_000, what: 'the dead letter' },
    );
    expect(dead.headers[DeadLetterHeader.Error]).toMatch(/payload\.body/);
    expect(dead.headers[DeadLetterHeader.Error]).toMatch(/payload\.channel/);
    expect(classifiedOf(inquiryId)).toHaveLength(0);
  });
});

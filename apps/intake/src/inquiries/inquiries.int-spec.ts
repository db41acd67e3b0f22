import { Topic } from '@relaydesk/contracts';
import { unseal } from '@relaydesk/runtime';
import { TopicReader, waitFor, withPg } from '@relaydesk/testing';
import { createHash, randomUUID } from 'node:crypto';
import { signAdapterRequest } from '../adapters/adapter-signature';
import { postInquiry, signedPost, startIntake } from '../../test/intake-harness';

const HOSTILE_TEXT =
  `<script>alert("x")</script><img src=x onerror=alert(1)> '; DROP TABLE inquiries; -- ` +
  `{{constructor.constructor('return 1')()}} \${7*7} 🙂‍↔️👩🏽‍💻 مرحبا بالعالم ‏שלום‎ zero\u200bwidth\u200d\ufeff \u202eRTL-override`;

interface StoredRow {
  inquiry_id: string;
  body: string;
  subject: string | null;
  tracking_token_hash: Buffer;
}

function inquiry(overrides: Record<string, unknown> = {}): Record<string, unknown> & { externalId: string } {
  return {
    externalId: `ext-${randomUUID()}`,
    channel: 'chat',
    customer: { id: `cust-${randomUUID()}`, email: 'kana@example.com', tier: 'vip', locale: 'ja-JP' },
    subject: '出金が届きません',
    body: 'My withdrawal has not arrived',
    ...overrides,
  };
}

describe('POST /v1/inquiries against the real Postgres, Kafka and Redis', () => {
  let intake: Awaited<ReturnType<typeof startIntake>>;
  let url: string;
  let schema: string;
  let reader: TopicReader;
  const receivedTopic = () => `${intake.env['KAFKA_TOPIC_PREFIX']}${Topic.InquiryReceived}`;
  const addedTopic = () => `${intake.env['KAFKA_TOPIC_PREFIX']}${Topic.InquiryMessageAdded}`;

  const stored = (externalId: string) =>
    withPg(async (client) => {
      const { rows } = await client.query<StoredRow>(
        `SELECT m.*, i.tracking_token_hash, i.tracking_token_sealed, i.previous_inquiry_id
           FROM "${schema}".messages m JOIN "${schema}".inquiries i ON i.id = m.inquiry_id
          WHERE m.external_id = $1`,
        [externalId],
      );
      return rows;
    });
  const eventsOf = (topic: string, inquiryId: string) =>
    reader.messages.filter((message) => message.topic === topic && message.key === inquiryId);

  beforeAll(async () => {
    intake = await startIntake({
      ADAPTER_SECRETS: 'demo=demo-secret,limited=limited-secret',
      ADAPTER_RATE_LIMITS: 'limited=2',
    });
    url = intake.service.url;
    schema = intake.config.DB_SCHEMA;
    reader = await TopicReader.start([receivedTopic(), addedTopic()]);
  });

  afterAll(async () => {
    await reader.stop();
    await intake.stop();
  });

  it('202: stores the inquiry with its text exactly as received and publishes inquiry.received.v1 once', async () => {
    const sent = inquiry({ body: HOSTILE_TEXT, subject: HOSTILE_TEXT.slice(0, 60), threadId: 'conv-1' });
    const answer = await postInquiry(url, sent);
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({
      inquiryId: expect.any(String),
      messageId: expect.any(String),
      trackingToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      status: 'received',
      duplicate: false,
    });
    const [row] = await stored(sent.externalId);
    expect(row.body).toBe(HOSTILE_TEXT);
    expect(row.subject).toBe(HOSTILE_TEXT.slice(0, 60));
    expect(row.inquiry_id).toBe(answer.body.inquiryId);
    // Only a hash of the token is comparable at rest; the token itself is only kept sealed.
    expect(
      Buffer.compare(
        row.tracking_token_hash,
        createHash('sha256').update(answer.body.trackingToken).digest(),
      ),
    ).toBe(0);
    expect(JSON.stringify(row)).not.toContain(answer.body.trackingToken);

    const [event] = await waitFor(() => {
      const found = eventsOf(receivedTopic(), answer.body.inquiryId);
      return found.length > 0 && found;
    });
    const envelope = JSON.parse(event.value!) as { payload: { trackingTokenSealed: string } };
    expect(envelope.payload).toMatchObject({
      inquiryId: answer.body.inquiryId,
      messageId: answer.body.messageId,
      adapterId: 'demo',
      externalId: sent.externalId,
      channel: 'chat',
      threadId: 'conv-1',
      body: HOSTILE_TEXT,
      customer: { tier: 'vip', email: 'kana@example.com' },
    });
    expect(event.value).not.toContain(answer.body.trackingToken);
    expect(unseal(envelope.payload.trackingTokenSealed, intake.config.TRACKING_TOKEN_KEY)).toBe(
      answer.body.trackingToken,
    );
  });

  it('200 duplicate: the same adapter and externalId answer the same inquiry and token, and nothing new is published', async () => {
    const sent = inquiry();
    const first = await postInquiry(url, sent);
    const again = await postInquiry(url, { ...sent, body: 'a retry with other text' });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, duplicate: true });
    expect(await stored(sent.externalId)).toHaveLength(1);
    await waitFor(() => eventsOf(receivedTopic(), first.body.inquiryId).length === 1);
    // Another adapter's message with the same externalId is another message.
    const fromOther = await postInquiry(url, sent, { adapterId: 'limited', secret: 'limited-secret' });
    expect(fromOther.status).toBe(202);
    expect(fromOther.body.inquiryId).not.toBe(first.body.inquiryId);
  });

  it('twenty simultaneous copies make one inquiry and exactly one inquiry.received.v1', async () => {
    const raw = JSON.stringify(inquiry());
    const answers = await Promise.all(Array.from({ length: 20 }, () => signedPost(url, raw)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([...Array(19).fill(200), 202]);
    const ids = new Set(answers.map((answer) => answer.body.inquiryId));
    const tokens = new Set(answers.map((answer) => answer.body.trackingToken));
    expect(ids.size).toBe(1);
    expect(tokens.size).toBe(1);
    const inquiryId = [...ids][0];
    await waitFor(() => eventsOf(receivedTopic(), inquiryId).length >= 1);
    // Give a wrongly duplicated event time to show up before asserting there is exactly one.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(eventsOf(receivedTopic(), inquiryId)).toHaveLength(1);
    const count = await withPg(async (client) => {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${schema}".inquiries WHERE id = $1`,
        [inquiryId],
      );
      return rows[0].n;
    });
    expect(count).toBe(1);
  });

  it('adds a message in the thread of an open inquiry of the same customer and channel (inquiry.message-added.v1)', async () => {
    const customer = { id: `cust-${randomUUID()}`, tier: 'standard' };
    const opened = await postInquiry(url, inquiry({ customer, threadId: 'session-7' }));
    const followUpSent = inquiry({ customer, threadId: 'session-7', body: 'any news?' });
    const followUp = await postInquiry(url, followUpSent);
    expect(followUp.status).toBe(202);
    expect(followUp.body).toMatchObject({
      inquiryId: opened.body.inquiryId,
      trackingToken: opened.body.trackingToken,
      duplicate: false,
    });
    expect(followUp.body.messageId).not.toBe(opened.body.messageId);
    const [added] = await waitFor(() => {
      const found = eventsOf(addedTopic(), opened.body.inquiryId);
      return found.length > 0 && found;
    });
    expect(JSON.parse(added.value!).payload).toMatchObject({
      messageId: followUp.body.messageId,
      body: 'any news?',
    });
    // A follow-up retried by the adapter is a duplicate too.
    const again = await postInquiry(url, followUpSent);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...followUp.body, duplicate: true });
    // Another channel, or another customer, with the same thread id opens its own inquiry.
    const otherChannel = await postInquiry(
      url,
      inquiry({ customer, channel: 'social', threadId: 'session-7' }),
    );
    const otherCustomer = await postInquiry(url, inquiry({ threadId: 'session-7' }));
    expect(otherChannel.body.inquiryId).not.toBe(opened.body.inquiryId);
    expect(otherCustomer.body.inquiryId).not.toBe(opened.body.inquiryId);
  });

  it('400 with field errors for an invalid body, and for broken JSON', async () => {
    const answer = await postInquiry(url, {
      channel: 'pigeon',
      externalId: '',
      customer: { email: 'not-an-email' },
      body: '',
      receivedAt: 'yesterday',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((error) => error.field).sort()).toEqual(
      ['body', 'channel', 'customer.email', 'externalId', 'receivedAt'].sort(),
    );
    const tooLong = await postInquiry(url, inquiry({ body: 'x'.repeat(20_001) }));
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors).toEqual([{ field: 'body', message: expect.any(String) }]);
    const nul = await postInquiry(url, inquiry({ body: 'a\u0000b' }));
    expect(nul.status).toBe(400);
    expect(nul.body.errors[0]).toEqual({ field: 'body', message: 'must not contain NUL characters' });
    const broken = await signedPost(url, '{"channel": "chat",');
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ statusCode: 400, message: 'the body is not valid JSON' });
  });

  it('401 for a missing, wrong or stale signature and an unknown adapter, and stores nothing', async () => {
    const sent = inquiry();
    const now = Math.floor(Date.now() / 1000);
    const refusals = await Promise.all([
      postInquiry(url, sent, { signature: null }),
      postInquiry(url, sent, { secret: 'wrong-secret' }),
      postInquiry(url, sent, { signature: 'sha256=' + '0'.repeat(64) }),
      postInquiry(url, sent, { timestamp: now - 301 }),
      postInquiry(url, sent, { timestamp: now + 400 }),
      postInquiry(url, sent, { adapterId: 'ghost', secret: 'demo-secret' }),
      // Signed for another body: the signature covers the exact bytes.
      signedPost(url, JSON.stringify(sent), {
        signature: signAdapterRequest('demo-secret', now, JSON.stringify({ ...sent, body: 'x' })),
        timestamp: now,
      }),
    ]);
    for (const answer of refusals) {
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ statusCode: 401 });
    }
    expect(await stored(sent.externalId)).toHaveLength(0);
  });

  it('413 above 64 KiB, as a JSON error', async () => {
    const answer = await postInquiry(url, inquiry({ body: 'x'.repeat(70_000) }));
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
  });

  it('415 for a body that is not JSON', async () => {
    const sent = inquiry();
    const answer = await signedPost(url, `channel=chat&body=hello&externalId=${sent.externalId}`, {
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(answer.status).toBe(415);
    const text = await signedPost(url, JSON.stringify(sent), { contentType: 'text/plain' });
    expect(text.status).toBe(415);
    expect(await stored(sent.externalId)).toHaveLength(0);
  });

  it('429 with Retry-After beyond the adapter rate limit, without touching other adapters', async () => {
    const options = { adapterId: 'limited', secret: 'limited-secret' };
    const answers = await Promise.all(Array.from({ length: 5 }, () => postInquiry(url, inquiry(), options)));
    const limited = answers.filter((answer) => answer.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(3);
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await postInquiry(url, inquiry())).status).toBe(202);
  });

  it('documents every endpoint at /docs, with an example per channel', async () => {
    const response = await fetch(`${url}/docs-json`);
    const document = (await response.json()) as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { examples?: object }> } }>
      >;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/inquiries',
        '/v1/inquiries/{inquiryId}/status',
        '/v1/inquiries/{inquiryId}/events',
      ]),
    );
    const examples =
      document.paths['/v1/inquiries']['post'].requestBody!.content['application/json'].examples;
    expect(Object.keys(examples ?? {}).sort()).toEqual(['chat', 'email', 'form', 'social']);
  });
});

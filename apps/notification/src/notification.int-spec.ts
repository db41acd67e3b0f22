import { JwtService } from '@nestjs/jwt';
import { type EventEnvelope, Topic } from '@relaydesk/contracts';
import { KafkaEventServer } from '@relaydesk/messaging';
import { seal, signAgentToken } from '@relaydesk/runtime';
import {
  adapterSignatureValid,
  cleanUpRun,
  isolatedEnv,
  LocalSmtp,
  type RunningService,
  sleep,
  startTestService,
  testKafka,
  testRunId,
  TopicReader,
  waitFor,
} from '@relaydesk/testing';
import type { Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { classified, deadlinesSet, envelope, LocalReceiver, received } from '../test/fixtures';
import { AppModule } from './app.module';
import { loadNotificationConfig, type NotificationConfig } from './config';
import type { DeliveryDto } from './deliveries/deliveries.controller';
import { ACKNOWLEDGEMENT_GRACE_QUEUE, DeliveryQueues } from './deliveries/delivery.queues';

const runId = testRunId();
const env = isolatedEnv(runId, 'notification');
const prefix = env['KAFKA_TOPIC_PREFIX'];
const TRACKING_KEY = 'test-tracking-key';
const CHAT_SECRET = 'test-chat-webhook-secret';

describe('notification against real Kafka, Postgres, Redis, a local SMTP server and a local receiver', () => {
  // Refuses (550) recipients whose address starts with "bounce".
  const smtp = new LocalSmtp({ refuses: (address) => address.startsWith('bounce') });
  const receiver = new LocalReceiver({ '/adapter': 'demo-secret', '/chat': CHAT_SECRET });
  let config: NotificationConfig;
  let service: RunningService;
  let producer: Producer;
  let reader: TopicReader;
  let supervisorToken: string;

  const start = async () => {
    service = await startTestService(AppModule.forRoot(config), {
      config,
      openApi: { title: 'notification', description: 'test', bearerAuth: true },
      transports: [KafkaEventServer],
    });
  };

  async function publish<T extends Topic>(topic: T, event: EventEnvelope<T>): Promise<void> {
    await producer.send({
      topic: `${prefix}${topic}`,
      messages: [{ key: event.inquiryId, value: JSON.stringify(event) }],
    });
  }

  async function deliveries(inquiryId: string): Promise<DeliveryDto[]> {
    const response = await request(service.url)
      .get(`/v1/deliveries?inquiryId=${inquiryId}`)
      .set('authorization', `Bearer ${supervisorToken}`);
    expect(response.status).toBe(200);
    return response.body as DeliveryDto[];
  }

  const settled = (inquiryId: string, count: number) =>
    waitFor(
      async () => {
        const found = await deliveries(inquiryId);
        return found.length === count && found.every((delivery) => delivery.status !== 'queued') && found;
      },
      { timeoutMs: 30_000, what: `${count} settled deliveries of ${inquiryId}` },
    );

  /** What happened to an inquiry's grace timer, from its queue's event stream. */
  async function graceTimerEvents(inquiryId: string): Promise<string[]> {
    const entries = await service.app
      .get(DeliveryQueues)
      .connection.xrange(`${config.REDIS_KEY_PREFIX}:${ACKNOWLEDGEMENT_GRACE_QUEUE}:events`, '-', '+');
    const field = (fields: string[], name: string) => fields[fields.indexOf(name) + 1];
    return entries
      .filter(([, fields]) => field(fields, 'jobId') === `ack-grace-${inquiryId}`)
      .map(([, fields]) => field(fields, 'event'));
  }

  beforeAll(async () => {
    await Promise.all([smtp.start(), receiver.start()]);
    config = loadNotificationConfig({
      ...process.env,
      ...env,
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      ADAPTER_CALLBACKS: `demo=http://127.0.0.1:${receiver.port}/adapter`,
      AGENT_WEBHOOK_URL: `http://127.0.0.1:${receiver.port}/chat`,
      AGENT_WEBHOOK_SECRET: CHAT_SECRET,
      AGENT_EMAIL_DOMAIN: 'agents.test',
      SUPERVISOR_EMAILS: 'lead@desk.test',
      TRACKING_TOKEN_KEY: TRACKING_KEY,
      STATUS_PAGE_URL: 'https://status.test',
      ACK_GRACE_MS: '1500',
      DELIVERY_BACKOFF_BASE_MS: '100',
      DELIVERY_SWEEP_INTERVAL_MS: '500',
    });
    producer = testKafka().producer();
    await producer.connect();
    await start();
    reader = await TopicReader.start([
      `${prefix}${Topic.NotificationSent}`,
      `${prefix}${Topic.NotificationFailed}`,
    ]);
    supervisorToken = await signAgentToken(
      new JwtService({}),
      { sub: 'sup-1', role: 'supervisor' },
      config.AGENT_JWT_SECRET,
    );
  });

  afterAll(async () => {
    await reader?.stop();
    await service?.close();
    await producer?.disconnect();
    await Promise.all([smtp.stop(), receiver.stop()]);
    await cleanUpRun(runId);
  });

  it('acknowledges a Japanese inquiry in Japanese by email, with the due time, tracking link and articles', async () => {
    const inquiryId = randomUUID();
    const address = `yamada-${inquiryId.slice(0, 6)}@example.jp`;
    await publish(
      Topic.InquiryReceived,
      envelope(Topic.InquiryReceived, inquiryId, {
        ...received(inquiryId, { channel: 'email', email: address, name: '山田', locale: 'ja-JP' }),
        trackingTokenSealed: seal('tok-secret-123', TRACKING_KEY),
      }),
    );
    // The classification comes before the deadlines; the acknowledgement waits for both.
    await publish(
      Topic.InquiryClassified,
      envelope(
        Topic.InquiryClassified,
        inquiryId,
        classified(inquiryId, 'ja', [
          { title: '入金が反映されない場合', url: 'https://help.test/ja/deposits' },
        ]),
      ),
    );
    await publish(
      Topic.SlaDeadlinesSet,
      envelope(Topic.SlaDeadlinesSet, inquiryId, deadlinesSet(inquiryId, '2026-03-02T09:15:00.000Z')),
    );
    const [mail] = await waitFor(() => smtp.to(address).length > 0 && smtp.to(address), {
      what: 'the acknowledgement email',
    });
    expect(mail.subject).toMatch(/^お問い合わせを受け付けました \[[0-9A-F]{8}\]$/);
    expect(mail.text).toContain('山田 様');
    expect(mail.text).toContain('2026年3月2日 9:15 UTC までに最初のご回答をお送りします。');
    expect(mail.text).toContain(`https://status.test/inquiries/${inquiryId}?token=tok-secret-123`);
    expect(mail.text).toContain('入金が反映されない場合: https://help.test/ja/deposits');
    expect(mail.html).toContain('<a href="https://help.test/ja/deposits">入金が反映されない場合</a>');
    const [delivery] = await settled(inquiryId, 1);
    expect(delivery).toMatchObject({
      inquiryId,
      kind: 'acknowledgement',
      recipient: 'customer',
      channel: 'email',
      language: 'ja',
      status: 'sent',
      attempts: 1,
    });
    expect(delivery.sentAt).toEqual(expect.any(String));
    expect(mail.messageId).toBe(`<${delivery.id}@relaydesk>`);
    // The grace timer armed at reception is removed once acknowledged, rather than firing for nothing.
    // The three events arrive on three topics, in any order: when the reception is handled last, it is
    // acknowledged in the same transaction and no timer is armed at all. By the time the delivery has
    // settled, a timer armed at reception (before the other two could complete it) is on record.
    const armed = (await graceTimerEvents(inquiryId)).length > 0;
    const timer = armed
      ? await waitFor(
          async () => {
            const events = await graceTimerEvents(inquiryId);
            return events.includes('removed') && events;
          },
          { what: 'the grace timer removed' },
        )
      : await graceTimerEvents(inquiryId);
    expect(timer).not.toContain('completed');
    const sent = await waitFor(() =>
      reader.messages.find(
        (message) => message.key === inquiryId && message.topic.endsWith(Topic.NotificationSent),
      ),
    );
    expect(JSON.parse(sent.value!).payload).toMatchObject({
      deliveryId: delivery.id,
      kind: 'acknowledgement',
      language: 'ja',
      attempts: 1,
    });
  });

  it('falls back to English, and acknowledges after the grace period with what it knows', async () => {
    const inquiryId = randomUUID();
    const address = `juma-${inquiryId.slice(0, 6)}@example.ke`;
    await publish(
      Topic.InquiryReceived,
      envelope(
        Topic.InquiryReceived,
        inquiryId,
        received(inquiryId, { channel: 'email', email: address, locale: 'sw-KE' }),
      ),
    );
    await publish(
      Topic.InquiryClassified,
      envelope(Topic.InquiryClassified, inquiryId, classified(inquiryId, 'sw')),
    );
    // No deadlines ever come: the grace timer sends the acknowledgement without a due time.
    const [mail] = await waitFor(() => smtp.to(address).length > 0 && smtp.to(address), {
      what: 'the acknowledgement email',
    });
    expect(mail.subject).toMatch(/^We have received your inquiry \[/);
    expect(mail.text).toMatch(/^Hello,\n/);
    expect(mail.text).not.toContain('first response by');
    const [delivery] = await settled(inquiryId, 1);
    expect(delivery.language).toBe('en');
  });

  it('sends chat messages to the adapter callback, signed so the adapter accepts them, with a stable idempotency key', async () => {
    const inquiryId = randomUUID();
    await publish(
      Topic.InquiryReceived,
      envelope(
        Topic.InquiryReceived,
        inquiryId,
        received(inquiryId, { channel: 'chat', handle: '@kim', locale: 'ko-KR' }),
      ),
    );
    await publish(
      Topic.InquiryClassified,
      envelope(Topic.InquiryClassified, inquiryId, classified(inquiryId, 'ko', [], 'chat')),
    );
    await publish(
      Topic.SlaDeadlinesSet,
      envelope(Topic.SlaDeadlinesSet, inquiryId, deadlinesSet(inquiryId, '2026-03-02T09:15:00.000Z')),
    );
    const [call] = await waitFor(() => receiver.of(inquiryId).length > 0 && receiver.of(inquiryId));
    expect(call.path).toBe('/adapter');
    expect(call.signatureValid).toBe(true);
    expect(call.headers['x-relaydesk-adapter']).toBe('demo');
    expect(call.headers['idempotency-key']).toBe(call.body['deliveryId']);
    expect(call.body).toMatchObject({
      inquiryId,
      kind: 'acknowledgement',
      channel: 'chat',
      language: 'ko',
      customer: { handle: '@kim' },
    });
    expect(String(call.body['text'])).toContain('문의가 접수되어');
    // A tampered body fails the same check.
    expect(adapterSignatureValid('demo-secret', call.headers, call.rawBody.replace('ko', 'en'))).toBe(false);
    expect(adapterSignatureValid('other-secret', call.headers, call.rawBody)).toBe(false);

    // A redelivered event (and a restart) sends nothing new.
    const reply = envelope(Topic.InquiryResponded, inquiryId, {
      inquiryId,
      replyId: randomUUID(),
      agentId: 'a-1',
      body: '출금이 처리되었습니다.',
      firstResponse: true,
      respondedAt: new Date().toISOString(),
    });
    await publish(Topic.InquiryResponded, reply);
    await waitFor(() => receiver.of(inquiryId).length === 2);
    await publish(Topic.InquiryResponded, reply);
    await publish(Topic.InquiryResponded, reply);
    await service.close();
    await start();
    await sleep(2_000); // several sweeps, and the redelivered events consumed
    const calls = receiver.of(inquiryId);
    expect(calls.map((c) => c.body['kind'])).toEqual(['acknowledgement', 'reply']);
    expect(String(calls[1].body['text'])).toContain('출금이 처리되었습니다.');
    const log = await settled(inquiryId, 2);
    expect(log.map((d) => [d.kind, d.status, d.attempts])).toEqual([
      ['acknowledgement', 'sent', 1],
      ['reply', 'sent', 1],
    ]);
  });

  it('retries a 500 with the same idempotency key and succeeds', async () => {
    const inquiryId = randomUUID();
    receiver.script(inquiryId, [500]);
    await publish(
      Topic.InquiryReceived,
      envelope(Topic.InquiryReceived, inquiryId, received(inquiryId, { channel: 'social', handle: '@ana' })),
    );
    await publish(
      Topic.InquiryClassified,
      envelope(Topic.InquiryClassified, inquiryId, classified(inquiryId, 'pt', [], 'social')),
    );
    await publish(
      Topic.SlaDeadlinesSet,
      envelope(Topic.SlaDeadlinesSet, inquiryId, deadlinesSet(inquiryId, '2026-03-02T09:15:00.000Z')),
    );
    const [delivery] = await settled(inquiryId, 1);
    expect(delivery).toMatchObject({ status: 'sent', attempts: 2, language: 'pt', channel: 'social' });
    const calls = receiver.of(inquiryId);
    expect(calls.map((c) => c.status)).toEqual([500, 200]);
    expect(calls[0].headers['idempotency-key']).toBe(delivery.id);
    expect(calls[1].headers['idempotency-key']).toBe(delivery.id);
  });

  it('fails a 400 for good: one attempt, notification.failed.v1, and the log says failed', async () => {
    const inquiryId = randomUUID();
    receiver.script(inquiryId, [400, 200, 200]);
    await publish(
      Topic.InquiryReceived,
      envelope(Topic.InquiryReceived, inquiryId, received(inquiryId, { channel: 'form' })),
    );
    await publish(
      Topic.InquiryClassified,
      envelope(Topic.InquiryClassified, inquiryId, classified(inquiryId, 'de', [], 'form')),
    );
    await publish(
      Topic.SlaDeadlinesSet,
      envelope(Topic.SlaDeadlinesSet, inquiryId, deadlinesSet(inquiryId, '2026-03-02T09:15:00.000Z')),
    );
    const [delivery] = await settled(inquiryId, 1);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, channel: 'form', language: 'de' });
    expect(delivery.sentAt).toBeUndefined();
    const failed = await waitFor(() =>
      reader.messages.find(
        (message) => message.key === inquiryId && message.topic.endsWith(Topic.NotificationFailed),
      ),
    );
    expect(JSON.parse(failed.value!).payload).toMatchObject({
      deliveryId: delivery.id,
      attempts: 1,
      error: expect.stringContaining('400'),
    });
    await sleep(500);
    expect(receiver.of(inquiryId)).toHaveLength(1);
  });

  it('escapes HTML in an agent reply, and fails an address the SMTP server refuses without retrying', async () => {
    const inquiryId = randomUUID();
    const address = `li-${inquiryId.slice(0, 6)}@example.cn`;
    await publish(
      Topic.InquiryReceived,
      envelope(
        Topic.InquiryReceived,
        inquiryId,
        received(inquiryId, { channel: 'email', email: address, name: '<b>Li</b>' }),
      ),
    );
    await publish(
      Topic.InquiryClassified,
      envelope(Topic.InquiryClassified, inquiryId, classified(inquiryId, 'zh')),
    );
    await publish(
      Topic.SlaDeadlinesSet,
      envelope(Topic.SlaDeadlinesSet, inquiryId, deadlinesSet(inquiryId, '2026-03-02T09:15:00.000Z')),
    );
    const body = '<script>alert("x")</script> 请查看 <a href="https://evil.test">这里</a>';
    await publish(
      Topic.InquiryResponded,
      envelope(Topic.InquiryResponded, inquiryId, {
        inquiryId,
        replyId: randomUUID(),
        agentId: 'a-2',
        body,
        firstResponse: true,
        respondedAt: new Date().toISOString(),
      }),
    );
    const mails = await waitFor(() => smtp.to(address).length === 2 && smtp.to(address));
    const reply = mails.find((mail) => mail.subject?.startsWith('关于您咨询的回复'))!;
    expect(reply.html).not.toContain('<script>');
    expect(reply.html).not.toContain('<a href="https://evil.test">');
    expect(reply.html).not.toContain('<b>Li</b>');
    expect(reply.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(reply.html).toContain('&lt;b&gt;Li&lt;/b&gt;');
    expect(reply.text).toContain(body);

    const bounced = randomUUID();
    await publish(
      Topic.InquiryReceived,
      envelope(
        Topic.InquiryReceived,
        bounced,
        received(bounced, { channel: 'email', email: 'bounce@example.com' }),
      ),
    );
    await publish(
      Topic.InquiryClassified,
      envelope(Topic.InquiryClassified, bounced, classified(bounced, 'en')),
    );
    await publish(
      Topic.SlaDeadlinesSet,
      envelope(Topic.SlaDeadlinesSet, bounced, deadlinesSet(bounced, '2026-03-02T09:15:00.000Z')),
    );
    const [delivery] = await settled(bounced, 1);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('alerts the agent by email and chat webhook on assignment, and supervisors on escalation', async () => {
    const inquiryId = randomUUID();
    const address = `ana-${inquiryId.slice(0, 6)}@example.es`;
    await publish(
      Topic.InquiryReceived,
      envelope(
        Topic.InquiryReceived,
        inquiryId,
        received(inquiryId, { channel: 'email', email: address, locale: 'es-ES' }),
      ),
    );
    await publish(
      Topic.InquiryClassified,
      envelope(Topic.InquiryClassified, inquiryId, classified(inquiryId, 'es')),
    );
    await publish(
      Topic.SlaDeadlinesSet,
      envelope(Topic.SlaDeadlinesSet, inquiryId, deadlinesSet(inquiryId, '2026-03-02T09:15:00.000Z')),
    );
    await publish(
      Topic.InquiryAssigned,
      envelope(Topic.InquiryAssigned, inquiryId, {
        inquiryId,
        agentId: 'a-7',
        category: 'trading',
        priority: 'high',
        language: 'es',
        pool: 'standard',
        translationNeeded: false,
        assignedAt: new Date().toISOString(),
      }),
    );
    await publish(
      Topic.InquiryEscalated,
      envelope(Topic.InquiryEscalated, inquiryId, {
        inquiryId,
        level: 1,
        reason: 'sla_breach',
        clock: 'first_response',
        priority: 'urgent',
        previousPriority: 'high',
        requiresSenior: true,
        escalatedAt: new Date().toISOString(),
      }),
    );
    // acknowledgement + assigned to the customer; agent email + chat; supervisor email + chat.
    const log = await settled(inquiryId, 6);
    expect(log.filter((d) => d.status === 'sent')).toHaveLength(6);
    const agentMail = await waitFor(() => smtp.to('a-7@agents.test')[0]);
    expect(agentMail.subject).toMatch(/^New assignment [0-9A-F]{8} \(high\)$/);
    const supervisorMail = await waitFor(() =>
      smtp
        .to('lead@desk.test')
        .find((mail) => mail.text?.includes(inquiryId.replace(/-/g, '').slice(0, 8).toUpperCase())),
    );
    expect(supervisorMail.subject).toMatch(/^Escalated: [0-9A-F]{8} \(level 1\)$/);
    expect(supervisorMail.text).toContain('A senior agent is required.');
    const chat = receiver.of(inquiryId).filter((call) => call.path === '/chat');
    expect(chat.map((call) => call.body['kind']).sort()).toEqual(['assigned', 'escalated']);
    for (const call of chat) {
      expect(call.signatureValid).toBe(true);
      expect(call.headers['x-relaydesk-adapter']).toBe('relaydesk');
      expect(String(call.body['text'])).toContain(inquiryId.replace(/-/g, '').slice(0, 8).toUpperCase());
    }
    const customer = smtp.to(address).map((mail) => mail.subject);
    expect(customer).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Hemos recibido su consulta/),
        expect.stringMatching(/^Un agente se ocupa de su consulta/),
      ]),
    );
    expect(log.map((d) => `${d.recipient}:${d.kind}:${d.channel}`).sort()).toEqual(
      [
        'agent:assigned:chat',
        'agent:assigned:email',
        'customer:acknowledgement:email',
        'customer:assigned:email',
        'supervisor:escalated:chat',
        'supervisor:escalated:email',
      ].sort(),
    );
  });

  it('serves the delivery log to supervisors and admins only, and refuses a bad inquiry id', async () => {
    const agentToken = await signAgentToken(
      new JwtService({}),
      { sub: 'a-1', role: 'agent' },
      config.AGENT_JWT_SECRET,
    );
    const url = `/v1/deliveries?inquiryId=${randomUUID()}`;
    expect((await request(service.url).get(url)).status).toBe(401);
    expect((await request(service.url).get(url).set('authorization', `Bearer ${agentToken}`)).status).toBe(
      403,
    );
    const ok = await request(service.url).get(url).set('authorization', `Bearer ${supervisorToken}`);
    expect([ok.status, ok.body]).toEqual([200, []]);
    for (const bad of ['/v1/deliveries', '/v1/deliveries?inquiryId=nope']) {
      const response = await request(service.url).get(bad).set('authorization', `Bearer ${supervisorToken}`);
      expect(response.status).toBe(400);
      expect(response.body.errors[0].field).toBe('inquiryId');
    }
  });
});

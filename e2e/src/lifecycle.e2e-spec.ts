import { createHmac } from 'node:crypto';
import { cleanUpRun, freePort, isolatedEnv, testRunId, waitFor } from '@relaydesk/testing';
import { EventStream, Mailbox, PostReceiver } from './support/outside';
import { AgentClient, IntakeClient, type InquiryInput } from './support/pipeline';
import { SERVICE_NAMES, Stack } from './support/stack';

/**
 * The whole life of inquiries through the five services, each started as its own process against the
 * real Kafka, Postgres and Redis, and driven only through the public APIs (API.md): adapters post signed
 * inquiries, customers follow them with their tracking token (status document and live event stream),
 * agents come online, reply and resolve, an admin sets the SLA policy; what customers and staff receive
 * is read from a real SMTP server and a local adapter/chat endpoint that checks signatures.
 */

const runId = testRunId();
const ADAPTER_SECRET = 'demo-secret';
const CHAT_SECRET = 'e2e-chat-webhook-secret';
const AGENT_DOMAIN = 'agents.e2e.test';
const SUPERVISOR = 'lead@desk.e2e.test';
const STATUS_PAGE = 'https://status.e2e.test';
const ALL_SKILLS = [
  'account',
  'trading',
  'deposit_withdrawal',
  'technical',
  'security',
  'compliance',
  'other',
  'triage',
];

/** The body of a 202/200 answer to `POST /v1/inquiries`. */
interface Accepted {
  inquiryId: string;
  trackingToken: string;
  status: string;
  duplicate: boolean;
  messageId?: string;
}

interface CustomerStatus {
  inquiryId: string;
  status: string;
  category?: string;
  priority?: string;
  language?: string;
  sla?: { firstResponseDueAt?: string; resolutionDueAt?: string };
  timeline: { type: string; at: string }[];
}

interface Delivery {
  id: string;
  inquiryId: string;
  kind: string;
  recipient: string;
  channel: string;
  language: string;
  status: string;
  attempts: number;
  createdAt: string;
  sentAt?: string;
}

interface MyInquiry {
  inquiryId: string;
  status: string;
  language: string;
  pool: string;
  escalationLevel: number;
  translationNeeded: boolean;
}

interface SlaView {
  inquiryId: string;
  priority: string;
  policy: string;
  escalationLevel: number;
  clocks: {
    kind: string;
    dueAt: string;
    warnAt: string;
    state: string;
    metAt?: string;
    breachedAt?: string;
  }[];
}

/** One customer and what they wrote, with what the pipeline should make of it. */
interface Case {
  name: string;
  input: InquiryInput;
  language: string;
  /** The agent speaking the language. */
  agent: string;
  reply: string;
  accepted?: Accepted;
  stream?: EventStream;
}

const stack = new Stack({}, (name) => ({
  ...isolatedEnv(runId, name),
  ...(name === 'notification' ? notificationEnv : {}),
  ...(name === 'assignment' ? { LANGUAGE_FALLBACK_SECONDS: String(LANGUAGE_FALLBACK_SECONDS) } : {}),
}));
let notificationEnv: Record<string, string> = {};
const mailbox = new Mailbox();
const receiver = new PostReceiver({ '/callback': ADAPTER_SECRET, '/chat': CHAT_SECRET });
let intake: IntakeClient;
let agents: AgentClient;
let intakeUrl: string;
let notificationUrl: string;
let slaUrl: string;
const streams: EventStream[] = [];
/** Seconds an inquiry waits for a speaker of its language before an English-speaking agent may take it. */
const LANGUAGE_FALLBACK_SECONDS = 8;

function customerStatus(inquiryId: string, token: string): Promise<{ status: number; body: unknown }> {
  return intake.status(inquiryId, token);
}

/** Polls the customer's status until `accept` holds. */
async function statusWhen(
  accepted: Accepted,
  accept: (status: CustomerStatus) => boolean,
  what: string,
  timeoutMs = 45_000,
): Promise<CustomerStatus> {
  return waitFor(
    async () => {
      const answer = await customerStatus(accepted.inquiryId, accepted.trackingToken);
      const body = answer.body as CustomerStatus;
      return answer.status === 200 && accept(body) && body;
    },
    { timeoutMs, intervalMs: 200, what },
  );
}

async function asRole(sub: string, role: 'agent' | 'supervisor' | 'admin'): Promise<string> {
  return agents.token(sub, role);
}

async function deliveries(inquiryId: string): Promise<Delivery[]> {
  const response = await fetch(`${notificationUrl}/v1/deliveries?inquiryId=${inquiryId}`, {
    headers: { authorization: `Bearer ${await asRole('lead', 'supervisor')}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Delivery[];
}

async function myInquiries(agentId: string): Promise<MyInquiry[]> {
  const answer = await agents.call('GET', '/v1/agents/me/inquiries', await asRole(agentId, 'agent'));
  expect(answer.status).toBe(200);
  return answer.body as MyInquiry[];
}

async function slaOf(inquiryId: string): Promise<{ status: number; body: SlaView }> {
  const response = await fetch(`${slaUrl}/v1/inquiries/${inquiryId}/sla`, {
    headers: { authorization: `Bearer ${await asRole('lead', 'supervisor')}` },
  });
  return { status: response.status, body: (await response.json()) as SlaView };
}

async function openStream(accepted: Accepted): Promise<EventStream> {
  const stream = await new EventStream(
    `${intakeUrl}/v1/inquiries/${accepted.inquiryId}/events`,
    accepted.trackingToken,
  ).open();
  streams.push(stream);
  return stream;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The English subjects of the customer mails, by kind. */
const EMAIL_KINDS: [string, RegExp][] = [
  ['acknowledgement', /^We have received your inquiry \[/],
  ['assigned', /^An agent is on your inquiry \[/],
  ['reply', /^A reply to your inquiry \[/],
  ['resolved', /^Your inquiry has been resolved \[/],
  ['sla_breach', /^An update on your inquiry \[/],
];

/** POST /v1/inquiries signed like the demo adapter; the HTTP status and the body's `status` kept apart. */
async function post(input: InquiryInput): Promise<{ http: number; body: Accepted }> {
  const raw = JSON.stringify(input);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', ADAPTER_SECRET).update(`${timestamp}.${raw}`).digest('hex');
  const response = await fetch(`${intakeUrl}/v1/inquiries`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-relaydesk-adapter': 'demo',
      'x-relaydesk-timestamp': timestamp,
      'x-relaydesk-signature': `sha256=${signature}`,
    },
    body: raw,
  });
  return { http: response.status, body: (await response.json()) as Accepted };
}

/** What the customer of `c` received on their channel, as [kind, text] in arrival order. */
function receivedByCustomer(c: Case): { kind: string; language: string; text: string }[] {
  const inquiryId = c.accepted!.inquiryId;
  if (c.input.channel === 'email') {
    return mailbox.to(c.input.customer.email!).map((mail) => ({
      kind: EMAIL_KINDS.find(([, subject]) => subject.test(mail.subject ?? ''))?.[0] ?? 'unknown',
      language: str(mail.headers.get('content-language')),
      text: `${mail.subject ?? ''}\n${mail.text ?? ''}`,
    }));
  }
  return receiver.about('/callback', inquiryId).map((post) => ({
    kind: String(post.body['kind']),
    language: String(post.body['language']),
    text: `${str(post.body['subject'])}\n${str(post.body['text'])}`,
  }));
}

beforeAll(async () => {
  await Promise.all([mailbox.start(), receiver.start()]);
  notificationEnv = {
    SMTP_URL: mailbox.url,
    ADAPTER_CALLBACKS: `demo=${receiver.url('/callback')}`,
    AGENT_WEBHOOK_URL: receiver.url('/chat'),
    AGENT_WEBHOOK_SECRET: CHAT_SECRET,
    AGENT_EMAIL_DOMAIN: AGENT_DOMAIN,
    SUPERVISOR_EMAILS: SUPERVISOR,
    STATUS_PAGE_URL: STATUS_PAGE,
    DELIVERY_BACKOFF_BASE_MS: '200',
    DELIVERY_SWEEP_INTERVAL_MS: '2000',
  };
  for (const name of SERVICE_NAMES) stack.add(name, await freePort());
  // All five at once, as a deployment starts them (they race to create the same topics).
  stack.startAll();
  await stack.waitAllReady(200_000);
  const urls = stack.urls();
  intakeUrl = urls.intake;
  notificationUrl = urls.notification;
  slaUrl = urls.slaTimer;
  intake = new IntakeClient(urls.intake, 'demo', ADAPTER_SECRET);
  agents = new AgentClient(urls.assignment);
}, 240_000);

afterAll(async () => {
  await Promise.all(streams.map((stream) => stream.close()));
  await stack.stopAll();
  await Promise.all([mailbox.stop(), receiver.stop()]);
  await cleanUpRun(runId);
}, 60_000);

describe('an inquiry from each channel, in its language, from arrival to resolution', () => {
  const cases: Case[] = [
    {
      name: 'web form in Japanese',
      language: 'ja',
      agent: 'agent-ja',
      reply: 'お問い合わせありがとうございます。出金は本日送金されました。',
      input: {
        channel: 'form',
        externalId: `${runId}-form-ja`,
        customer: { id: `${runId}-yamada`, name: '山田 太郎', locale: 'ja-JP' },
        subject: '出金が反映されません',
        body:
          'お世話になっております。昨日ETHを0.5 ETH出金申請しましたが、まだウォレットに届いていません。' +
          '出金IDはW250301000123です。ステータスはずっと「処理中」のままです。確認をお願いします。',
      },
    },
    {
      name: 'email in English',
      language: 'en',
      agent: 'agent-en',
      reply: 'Thanks for writing in: the limit order issue is fixed on your account.',
      input: {
        channel: 'email',
        externalId: `${runId}-email-en`,
        customer: { email: `alice.${runId}@example.com`, name: 'Alice Walker', locale: 'en-GB' },
        subject: 'Cannot place limit orders',
        body:
          'Hello, since this morning every limit order I place on BTC/USDT is rejected with "order failed". ' +
          'Market orders still work. Could you please check what is wrong with my account?',
      },
    },
    {
      name: 'social message in Spanish',
      language: 'es',
      agent: 'agent-es',
      reply: 'Hola María, su depósito ya está acreditado en su cuenta.',
      input: {
        channel: 'social',
        externalId: `${runId}-social-es`,
        customer: { handle: `@maria_${runId}`, name: 'María', locale: 'es-ES' },
        body:
          'Hola, hice un depósito de 200 USDT por la red TRC20 hace cuatro horas y todavía no aparece en mi ' +
          'cuenta. La transacción ya está confirmada en la blockchain. ¿Pueden revisarlo, por favor?',
      },
    },
    {
      name: 'chat in Korean',
      language: 'ko',
      agent: 'agent-es',
      reply: '안녕하세요, 입금이 방금 반영되었습니다. 확인 부탁드립니다.',
      input: {
        channel: 'chat',
        externalId: `${runId}-chat-ko`,
        threadId: `${runId}-chat-thread-ko`,
        customer: { id: `${runId}-kim`, handle: 'kim.minji', name: '김민지', locale: 'ko-KR' },
        body:
          '트론(TRC20)으로 USDT 500개 입금했는데 2시간째 반영이 안 돼요. 트론스캔에서는 성공으로 나옵니다. ' +
          '확인 부탁드립니다.',
      },
    },
  ];

  it('accepts a signed post from every channel (202, received) and gives each customer a tracking token', async () => {
    for (const c of cases) {
      const answer = await post(c.input);
      expect(answer.http).toBe(202);
      expect(answer.body).toMatchObject({ status: 'received', duplicate: false });
      const accepted = answer.body;
      expect(accepted.inquiryId).toMatch(/^[0-9a-f-]{36}$/);
      expect(accepted.trackingToken.length).toBeGreaterThanOrEqual(32);
      c.accepted = accepted;
      c.stream = await openStream(accepted);
      expect(c.stream.status).toBe(200);
      expect(c.stream.contentType).toMatch(/^text\/event-stream/);
    }
    // The same post again (an adapter retrying) is the same inquiry, answered 200 with the same token.
    const again = await post(cases[0].input);
    expect(again.http).toBe(200);
    expect(again.body).toMatchObject({
      duplicate: true,
      inquiryId: cases[0].accepted!.inquiryId,
      trackingToken: cases[0].accepted!.trackingToken,
    });
    // Another customer's token does not open this inquiry: the same 404 as an unknown one.
    const foreign = await customerStatus(cases[0].accepted!.inquiryId, cases[1].accepted!.trackingToken);
    expect(foreign.status).toBe(404);
    const noToken = await fetch(`${intakeUrl}/v1/inquiries/${cases[0].accepted!.inquiryId}/status`);
    expect(noToken.status).toBe(401);
    // The live stream is guarded the same way.
    const foreignStream = await new EventStream(
      `${intakeUrl}/v1/inquiries/${cases[0].accepted!.inquiryId}/events`,
      cases[1].accepted!.trackingToken,
    ).open();
    expect(foreignStream.status).toBe(404);
    const anonymousStream = await fetch(`${intakeUrl}/v1/inquiries/${cases[0].accepted!.inquiryId}/events`);
    expect(anonymousStream.status).toBe(401);
    await anonymousStream.arrayBuffer();
  });

  it('classifies each in its language, sets SLA due times and acknowledges on the customer’s channel', async () => {
    for (const c of cases) {
      const status = await statusWhen(
        c.accepted!,
        (s) => s.status === 'classified' && s.sla?.firstResponseDueAt !== undefined,
        `${c.name} classified with its SLA`,
      );
      expect(status.language).toBe(c.language);
      expect(status.category).toEqual(expect.any(String));
      expect(status.priority).toMatch(/^(urgent|high|normal|low)$/);
      expect(Date.parse(status.sla!.firstResponseDueAt!)).toBeGreaterThan(Date.parse(status.timeline[0].at));
      expect(status.timeline.map((entry) => entry.type)).toEqual(
        expect.arrayContaining(['inquiry.received', 'inquiry.classified', 'sla.deadlines-set']),
      );
    }
    for (const c of cases) {
      const inquiryId = c.accepted!.inquiryId;
      if (c.input.channel === 'email') {
        const [mail] = await waitFor(
          () => mailbox.to(c.input.customer.email!).length > 0 && mailbox.to(c.input.customer.email!),
          { timeoutMs: 30_000, what: `the acknowledgement mail of ${c.name}` },
        );
        expect(mail.subject).toMatch(/received your inquiry/i);
        expect(mail.text).toContain('Alice Walker');
        expect(mail.text).toContain(
          `${STATUS_PAGE}/inquiries/${inquiryId}?token=${encodeURIComponent(c.accepted!.trackingToken)}`,
        );
      } else {
        const [post] = await waitFor(
          () => receiver.about('/callback', inquiryId).length > 0 && receiver.about('/callback', inquiryId),
          { timeoutMs: 30_000, what: `the acknowledgement callback of ${c.name}` },
        );
        expect(post.signatureValid).toBe(true);
        expect(post.headers['x-relaydesk-adapter']).toBe('demo');
        expect(post.headers['idempotency-key']).toEqual(expect.any(String));
        expect(post.body).toMatchObject({
          inquiryId,
          kind: 'acknowledgement',
          channel: c.input.channel,
          externalId: c.input.externalId,
          language: c.language,
        });
        expect(String(post.body['text'])).toContain(
          `${STATUS_PAGE}/inquiries/${inquiryId}?token=${encodeURIComponent(c.accepted!.trackingToken)}`,
        );
      }
    }
  });

  it('keeps them waiting while no agent is online, visible to a supervisor per pool', async () => {
    const lead = await asRole('lead', 'supervisor');
    const queues = await waitFor(
      async () => {
        const answer = await agents.call('GET', '/v1/queues', lead);
        const body = answer.body as { totalWaiting: number; pools: { pool: string; waiting: number }[] };
        return answer.status === 200 && body.totalWaiting >= cases.length && body;
      },
      { timeoutMs: 20_000, what: 'the four inquiries waiting in the queues' },
    );
    for (const language of ['ja', 'en', 'es', 'ko']) {
      expect(queues.pools.some((pool) => pool.pool.endsWith(`.${language}`) && pool.waiting >= 1)).toBe(true);
    }
    for (const c of cases) {
      const status = await customerStatus(c.accepted!.inquiryId, c.accepted!.trackingToken);
      expect((status.body as CustomerStatus).status).toBe('classified');
    }
    // Without an agent nobody is told "an agent is on it".
    expect(receiver.posts.filter((post) => post.body['kind'] === 'assigned')).toEqual([]);
  });

  it('assigns each to the agent speaking its language once agents come online, and tells customer and agent', async () => {
    const profile = (name: string, languages: string[]) => ({
      name,
      languages,
      skills: ALL_SKILLS,
      capacity: 4,
      tier: 'standard' as const,
    });
    await agents.online('agent-ja', profile('Sato', ['ja']));
    await agents.online('agent-es', profile('Lopez', ['es', 'ko']));
    await agents.online('agent-en', profile('Smith', ['en']));

    for (const c of cases) {
      const status = await statusWhen(c.accepted!, (s) => s.status === 'assigned', `${c.name} assigned`);
      expect(status.timeline.map((entry) => entry.type)).toContain('inquiry.assigned');
      const mine = await myInquiries(c.agent);
      const held = mine.find((inquiry) => inquiry.inquiryId === c.accepted!.inquiryId);
      expect(held).toMatchObject({ status: 'assigned', language: c.language, translationNeeded: false });
      expect(held!.pool).toMatch(new RegExp(`\\.${c.language}$`));
      // The agent is alerted by email and in the chat tool.
      await waitFor(() => mailbox.to(`${c.agent}@${AGENT_DOMAIN}`).length > 0, {
        timeoutMs: 30_000,
        what: `the assignment mail to ${c.agent}`,
      });
      const chat = await waitFor(
        () =>
          receiver
            .about('/chat', c.accepted!.inquiryId)
            .find((post) => post.body['kind'] === 'assigned' && post.body['agentId'] === c.agent),
        { timeoutMs: 30_000, what: `the chat alert of ${c.agent}` },
      );
      expect(chat.signatureValid).toBe(true);
      expect(chat.headers['x-relaydesk-adapter']).toBe('relaydesk');
    }
    // The customer hears "an agent is on it", after the acknowledgement.
    for (const c of cases) {
      const told = await waitFor(
        () => {
          const messages = receivedByCustomer(c);
          return messages.some((message) => message.kind === 'assigned') && messages;
        },
        { timeoutMs: 30_000, what: `"an agent is on it" for ${c.name}` },
      );
      expect(told.map((message) => message.kind)).toEqual(['acknowledgement', 'assigned']);
      expect(told.map((message) => message.language)).toEqual([c.language, c.language]);
    }
    // Nothing in the customer's view names the agent.
    for (const c of cases) {
      const answer = await customerStatus(c.accepted!.inquiryId, c.accepted!.trackingToken);
      expect(JSON.stringify(answer.body)).not.toContain(c.agent);
    }
  });

  it('delivers each agent reply to the customer on the channel they used, in their language', async () => {
    for (const c of cases) {
      const token = await asRole(c.agent, 'agent');
      // Only the assigned agent may answer.
      const other = cases.find((x) => x.agent !== c.agent)!.agent;
      const refused = await agents.call(
        'POST',
        `/v1/inquiries/${c.accepted!.inquiryId}/replies`,
        await asRole(other, 'agent'),
        { body: 'not mine' },
      );
      expect(refused.status).toBe(403);
      const reply = await agents.call('POST', `/v1/inquiries/${c.accepted!.inquiryId}/replies`, token, {
        body: c.reply,
      });
      expect(reply.status).toBe(201);
      expect(reply.body).toMatchObject({ inquiryId: c.accepted!.inquiryId, firstResponse: true });
    }
    for (const c of cases) {
      const inquiryId = c.accepted!.inquiryId;
      if (c.input.channel === 'email') {
        const mail = await waitFor(
          () => mailbox.to(c.input.customer.email!).find((m) => (m.text ?? '').includes(c.reply)),
          { timeoutMs: 30_000, what: `the reply mail of ${c.name}` },
        );
        expect(mail.html).toContain('the limit order issue is fixed on your account');
      } else {
        const post = await waitFor(
          () => receiver.about('/callback', inquiryId).find((p) => p.body['kind'] === 'reply'),
          { timeoutMs: 30_000, what: `the reply callback of ${c.name}` },
        );
        expect(post.signatureValid).toBe(true);
        expect(post.body).toMatchObject({ channel: c.input.channel, externalId: c.input.externalId });
        expect(String(post.body['text'])).toContain(c.reply);
        if (c.input.threadId) expect(post.body['threadId']).toBe(c.input.threadId);
      }
      const status = await statusWhen(
        c.accepted!,
        (s) => s.status === 'awaiting_customer',
        `${c.name} awaiting the customer`,
      );
      expect(status.timeline.map((entry) => entry.type)).toContain('inquiry.responded');
      // The reply text never enters the customer's status document (it went on their channel).
      expect(JSON.stringify(status)).not.toContain(c.reply);
      const sla = await slaOf(inquiryId);
      expect(sla.status).toBe(200);
      expect(sla.body.clocks.find((clock) => clock.kind === 'first_response')).toMatchObject({
        state: 'met',
      });
      expect(sla.body.clocks.find((clock) => clock.kind === 'resolution')!.state).toBe('paused');
    }
  });

  it('takes a follow-up in the chat thread back to the agent', async () => {
    const chat = cases.find((c) => c.input.channel === 'chat')!;
    const followUp = await post({
      ...chat.input,
      externalId: `${runId}-chat-ko-2`,
      body: '감사합니다! 방금 확인했어요. 잔고에 들어왔습니다.',
    });
    expect(followUp.http).toBe(202);
    expect(followUp.body).toMatchObject({ inquiryId: chat.accepted!.inquiryId, duplicate: false });
    expect(followUp.body.messageId).toEqual(expect.any(String));
    await statusWhen(chat.accepted!, (s) => s.status === 'assigned', 'the chat back with the agent');
    const inquiry = await agents.call(
      'GET',
      `/v1/inquiries/${chat.accepted!.inquiryId}`,
      await asRole(chat.agent, 'agent'),
    );
    expect(inquiry.status).toBe(200);
    const messages = (inquiry.body as { messages: { author: string; body: string }[] }).messages;
    await waitFor(
      async () => {
        const again = await agents.call(
          'GET',
          `/v1/inquiries/${chat.accepted!.inquiryId}`,
          await asRole(chat.agent, 'agent'),
        );
        const all = (again.body as { messages: { author: string; body: string }[] }).messages;
        return all.some((m) => m.author === 'customer' && m.body.includes('잔고에 들어왔습니다'));
      },
      { timeoutMs: 20_000, what: 'the follow-up in the agent view' },
    );
    expect(messages.some((m) => m.author === 'agent' && m.body === chat.reply)).toBe(true);
  });

  it('resolves them: the customer is told, the status is final and the live stream showed every step', async () => {
    for (const c of cases) {
      const resolved = await agents.call(
        'POST',
        `/v1/inquiries/${c.accepted!.inquiryId}/resolve`,
        await asRole(c.agent, 'agent'),
      );
      expect(resolved.status).toBe(200);
      expect(resolved.body).toMatchObject({ status: 'resolved', resolvedBy: c.agent });
    }
    for (const c of cases) {
      const inquiryId = c.accepted!.inquiryId;
      const status = await statusWhen(c.accepted!, (s) => s.status === 'resolved', `${c.name} resolved`);
      const types = status.timeline.map((entry) => entry.type);
      expect(types).toEqual(
        expect.arrayContaining([
          'inquiry.received',
          'inquiry.classified',
          'sla.deadlines-set',
          'inquiry.assigned',
          'inquiry.responded',
          'inquiry.resolved',
        ]),
      );
      // Each customer message: acknowledgement, assigned, reply, resolved — delivered, once each, in order.
      const log = await waitFor(
        async () => {
          const found = (await deliveries(inquiryId)).filter((d) => d.recipient === 'customer');
          return found.length >= 4 && found.every((d) => d.status === 'sent') && found;
        },
        { timeoutMs: 30_000, what: `the customer deliveries of ${c.name}` },
      );
      expect(log.map((d) => d.kind)).toEqual(['acknowledgement', 'assigned', 'reply', 'resolved']);
      for (const delivery of log) {
        expect(delivery).toMatchObject({ channel: c.input.channel, language: c.language, attempts: 1 });
      }
      if (c.input.channel === 'email') {
        const mails = mailbox.to(c.input.customer.email!);
        expect(mails).toHaveLength(4);
        expect(mails.map((mail) => mail.messageId)).toEqual(log.map((d) => `<${d.id}@relaydesk>`));
      } else {
        const kinds = receiver.about('/callback', inquiryId).map((post) => post.body['kind']);
        expect(kinds).toEqual(['acknowledgement', 'assigned', 'reply', 'resolved']);
        expect(receiver.about('/callback', inquiryId).every((post) => post.signatureValid)).toBe(true);
      }
      // The live stream carried the same entries as the timeline, numbered in recording order.
      const stream = c.stream!;
      await waitFor(() => stream.types().includes('inquiry.resolved'), {
        timeoutMs: 20_000,
        what: `inquiry.resolved on the live stream of ${c.name}`,
      });
      const ids = stream.entries.map((entry) => Number(entry.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
      const final = (await customerStatus(inquiryId, c.accepted!.trackingToken)).body as CustomerStatus;
      expect([...stream.entries.map((e) => `${e.type}@${e.at}`)].sort()).toEqual(
        final.timeline.map((e) => `${e.type}@${e.at}`).sort(),
      );
      // Entries are numbered in recording order, which may differ from domain time (intake consumes
      // inquiry.received and inquiry.classified from different topics); a page orders them by `at`.
      const byTime = [...stream.entries]
        .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
        .map((e) => e.type);
      expect(byTime[0]).toBe('inquiry.received');
      expect(byTime.indexOf('inquiry.assigned')).toBeLessThan(byTime.indexOf('inquiry.responded'));
      expect(byTime.indexOf('inquiry.responded')).toBeLessThan(byTime.indexOf('inquiry.resolved'));
      // Resolving frees the agent: nothing left in their list.
      expect((await myInquiries(c.agent)).map((i) => i.inquiryId)).not.toContain(inquiryId);
    }
  });

  it('gives an inquiry in a language no agent speaks to an English speaker after the wait, flagged for translation', async () => {
    const vietnamese: Case = {
      name: 'chat in Vietnamese',
      language: 'vi',
      agent: 'agent-en',
      reply: 'Hello, your deposit has been credited to your account (translated for you).',
      input: {
        channel: 'chat',
        externalId: `${runId}-chat-vi`,
        customer: { id: `${runId}-nguyen`, handle: 'nguyen.an', name: 'Nguyễn An', locale: 'vi-VN' },
        body:
          'Xin chào, tôi đã nạp 300 USDT qua mạng TRC20 từ sáng nay nhưng số dư trong tài khoản của tôi vẫn ' +
          'chưa được cập nhật. Giao dịch đã được xác nhận trên blockchain. Vui lòng kiểm tra giúp tôi.',
      },
    };
    const answer = await post(vietnamese.input);
    expect(answer.http).toBe(202);
    const accepted = answer.body;
    const classified = await statusWhen(
      accepted,
      (s) => s.status === 'classified',
      'the Vietnamese one classified',
    );
    expect(classified.language).toBe('vi');
    // Acknowledged in Vietnamese on the chat, although no agent speaks it.
    const ack = await waitFor(
      () => receiver.about('/callback', accepted.inquiryId).find((p) => p.body['kind'] === 'acknowledgement'),
      { timeoutMs: 30_000, what: 'the Vietnamese acknowledgement' },
    );
    expect(ack.body['language']).toBe('vi');
    // agent-en is online with free capacity, yet the inquiry waits for a Vietnamese speaker first.
    const assigned = await statusWhen(
      accepted,
      (s) => s.status === 'assigned',
      'the Vietnamese one assigned after the language wait',
      LANGUAGE_FALLBACK_SECONDS * 1000 + 30_000,
    );
    const at = (type: string) => Date.parse(assigned.timeline.find((entry) => entry.type === type)!.at);
    expect(at('inquiry.assigned') - at('inquiry.classified')).toBeGreaterThanOrEqual(
      LANGUAGE_FALLBACK_SECONDS * 1000 - 500,
    );
    const held = (await myInquiries('agent-en')).find((i) => i.inquiryId === accepted.inquiryId);
    expect(held).toMatchObject({ language: 'vi', translationNeeded: true });
    const alert = await waitFor(
      () =>
        mailbox
          .to(`agent-en@${AGENT_DOMAIN}`)
          .find((mail) => str(mail.headers.get('x-relaydesk-inquiry')) === accepted.inquiryId),
      { timeoutMs: 20_000, what: 'the assignment mail to agent-en' },
    );
    expect(alert.text).toContain('a translation is needed');

    const token = await asRole('agent-en', 'agent');
    const reply = await agents.call('POST', `/v1/inquiries/${accepted.inquiryId}/replies`, token, {
      body: vietnamese.reply,
    });
    expect(reply.status).toBe(201);
    const delivered = await waitFor(
      () => receiver.about('/callback', accepted.inquiryId).find((p) => p.body['kind'] === 'reply'),
      { timeoutMs: 20_000, what: 'the reply on the Vietnamese chat' },
    );
    expect(str(delivered.body['text'])).toContain(vietnamese.reply);
    expect(delivered.body['language']).toBe('vi');
    expect((await agents.call('POST', `/v1/inquiries/${accepted.inquiryId}/resolve`, token)).status).toBe(
      200,
    );
    await statusWhen(accepted, (s) => s.status === 'resolved', 'the Vietnamese one resolved');
  });
});

describe('a short SLA policy that warns, breaches and escalates to a senior agent', () => {
  /** Seconds-long targets on a 24x7 calendar for every priority; a warning already escalates. */
  const shortPolicy = {
    calendars: [{ id: 'always', timezone: 'UTC', always: true }],
    policies: (['urgent', 'high', 'normal', 'low'] as const).map((priority) => ({
      priority,
      tier: 'standard',
      calendar: 'always',
      firstResponseSeconds: 20,
      resolutionSeconds: 600,
      warnAtPercent: 40,
    })),
    escalation: { onWarning: ['urgent', 'high', 'normal', 'low'], maxLevel: 2 },
  };
  const german: Case = {
    name: 'chat in German',
    language: 'de',
    agent: 'agent-de',
    reply: 'Hallo Herr Becker, Ihre Auszahlung wurde soeben freigegeben.',
    input: {
      channel: 'chat',
      externalId: `${runId}-chat-de`,
      threadId: `${runId}-chat-thread-de`,
      customer: { id: `${runId}-becker`, handle: 'jbecker', name: 'Jonas Becker', locale: 'de-DE' },
      body:
        'Hallo, meine Auszahlung von 0,3 BTC hängt seit gestern im Status "in Bearbeitung". Die Transaktion ' +
        'erscheint nicht in der Blockchain. Bitte prüfen Sie das so schnell wie möglich.',
    },
  };
  const senior = 'senior-de';
  let priorityAtStart = '';

  async function policies(token: string, method: 'GET' | 'PUT', body?: unknown) {
    const response = await fetch(`${slaUrl}/v1/sla/policies`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: response.status,
      version: response.headers.get('x-sla-policy-version'),
      body: (await response.json()) as Record<string, unknown>,
    };
  }

  /** Mails to `address` about one inquiry (X-Relaydesk-Inquiry), subjects in arrival order. */
  function subjectsTo(address: string, inquiryId: string): string[] {
    return mailbox
      .to(address)
      .filter((mail) => str(mail.headers.get('x-relaydesk-inquiry')) === inquiryId)
      .map((mail) => mail.subject ?? '');
  }

  it('lets only an admin replace the policy document, refuses an invalid one and keeps the one in force', async () => {
    const admin = await asRole('root', 'admin');
    const lead = await asRole('lead', 'supervisor');
    const before = await policies(lead, 'GET');
    expect(before.status).toBe(200);
    expect(before.version).toBe('1');

    expect((await policies(lead, 'PUT', shortPolicy)).status).toBe(403);
    expect((await policies(await asRole('agent-en', 'agent'), 'PUT', shortPolicy)).status).toBe(403);
    const invalid = await policies(admin, 'PUT', {
      ...shortPolicy,
      policies: shortPolicy.policies.map((p) => ({ ...p, warnAtPercent: 150 })),
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body['errors']).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: expect.stringMatching(/warnAtPercent/) })]),
    );
    expect((await policies(lead, 'GET')).version).toBe('1');

    const stored = await policies(admin, 'PUT', shortPolicy);
    expect(stored.status).toBe(200);
    expect(stored.version).toBe('2');
    const now = await policies(lead, 'GET');
    expect(now.version).toBe('2');
    expect(now.body).toEqual(shortPolicy);
  });

  it('assigns a new inquiry under it with seconds-long due times', async () => {
    await agents.online(german.agent, {
      name: 'Schmidt',
      languages: ['de'],
      skills: ALL_SKILLS,
      capacity: 4,
      tier: 'standard',
    });
    const answer = await post(german.input);
    expect(answer.http).toBe(202);
    german.accepted = answer.body;
    german.stream = await openStream(answer.body);
    const status = await statusWhen(
      german.accepted,
      (s) => s.status === 'assigned' && s.sla?.firstResponseDueAt !== undefined,
      'the German inquiry assigned',
    );
    expect(status.language).toBe('de');
    priorityAtStart = status.priority!;
    const classifiedAt = status.timeline.find((entry) => entry.type === 'inquiry.classified')!.at;
    expect(Date.parse(status.sla!.firstResponseDueAt!) - Date.parse(classifiedAt)).toBe(20_000);
    const sla = await slaOf(german.accepted.inquiryId);
    expect(sla.body.policy).toMatch(/@v2$/);
    expect(sla.body.escalationLevel).toBe(0);
    const first = sla.body.clocks.find((clock) => clock.kind === 'first_response')!;
    expect(first.state).toBe('running');
    expect(Date.parse(first.dueAt) - Date.parse(first.warnAt)).toBe(12_000);
    expect((await myInquiries(german.agent)).map((i) => i.inquiryId)).toContain(german.accepted.inquiryId);
    // A senior agent comes online; the inquiry stays where it is until escalation asks for a senior.
    await agents.online(senior, {
      name: 'Wagner',
      languages: ['de'],
      skills: ALL_SKILLS,
      capacity: 4,
      tier: 'senior',
    });
    expect(await myInquiries(senior)).toEqual([]);
  });

  it('warns the holding agent and escalates on the warning (priority raised)', async () => {
    const inquiryId = german.accepted!.inquiryId;
    const status = await statusWhen(
      german.accepted!,
      (s) =>
        s.timeline.some((entry) => entry.type === 'sla.warning') &&
        s.timeline.some((entry) => entry.type === 'inquiry.escalated'),
      'the SLA warning and the escalation on the timeline',
      30_000,
    );
    expect(status.timeline.some((entry) => entry.type === 'sla.breached')).toBe(false);
    // The warning raised the priority one step (escalation level 1) without moving the inquiry yet.
    const sla = await slaOf(inquiryId);
    expect(sla.body.escalationLevel).toBeGreaterThanOrEqual(1);
    const order = ['urgent', 'high', 'normal', 'low'];
    expect(sla.body.priority).toBe(order[Math.max(0, order.indexOf(priorityAtStart) - 1)]);
    await waitFor(
      () =>
        subjectsTo(`${german.agent}@${AGENT_DOMAIN}`, inquiryId).find((subject) =>
          /^SLA warning: /.test(subject),
        ),
      { timeoutMs: 20_000, what: 'the SLA warning mail to the holding agent' },
    );
    await waitFor(
      () => subjectsTo(SUPERVISOR, inquiryId).find((subject) => /^Escalated: .*\(level 1\)/.test(subject)),
      { timeoutMs: 20_000, what: 'the level-1 escalation mail to the supervisors' },
    );
    const chat = await waitFor(
      () => receiver.about('/chat', inquiryId).find((p) => p.body['kind'] === 'sla_warning'),
      { timeoutMs: 20_000, what: 'the SLA warning in the chat tool' },
    );
    expect(chat.signatureValid).toBe(true);
  });

  it('breaches, tells the customer honestly, and hands the inquiry to the senior agent', async () => {
    const inquiryId = german.accepted!.inquiryId;
    const held = await waitFor(
      async () => (await myInquiries(senior)).find((inquiry) => inquiry.inquiryId === inquiryId && inquiry),
      { timeoutMs: 40_000, intervalMs: 250, what: 'the senior agent holding the breached inquiry' },
    );
    expect(held.escalationLevel).toBe(2);
    expect(held.pool).toMatch(/^senior\..+\.de$/);
    expect((await myInquiries(german.agent)).map((i) => i.inquiryId)).not.toContain(inquiryId);

    const sla = await slaOf(inquiryId);
    expect(sla.body.escalationLevel).toBe(2);
    const first = sla.body.clocks.find((clock) => clock.kind === 'first_response')!;
    expect(first.state).toBe('breached');
    expect(Date.parse(first.breachedAt!)).toBeGreaterThanOrEqual(Date.parse(first.dueAt));

    const status = await statusWhen(
      german.accepted!,
      (s) => s.status === 'assigned' && s.timeline.some((entry) => entry.type === 'inquiry.requeued'),
      'the customer status after the re-routing',
    );
    const types = status.timeline.map((entry) => entry.type);
    expect(types).toContain('sla.breached');
    expect(types.filter((type) => type === 'inquiry.escalated')).toHaveLength(2);
    expect(types.filter((type) => type === 'inquiry.assigned')).toHaveLength(2);
    expect(JSON.stringify(status)).not.toContain(senior);

    const update = await waitFor(
      () => receiver.about('/callback', inquiryId).find((p) => p.body['kind'] === 'sla_breach'),
      { timeoutMs: 20_000, what: 'the honest update to the customer' },
    );
    expect(update.signatureValid).toBe(true);
    expect(update.body).toMatchObject({
      channel: 'chat',
      language: 'de',
      externalId: german.input.externalId,
    });
    await waitFor(
      () =>
        subjectsTo(SUPERVISOR, inquiryId).some((subject) => /^SLA breached: /.test(subject)) &&
        subjectsTo(SUPERVISOR, inquiryId).some((subject) => /^Escalated: .*\(level 2\)/.test(subject)),
      { timeoutMs: 20_000, what: 'the breach and level-2 escalation mails to the supervisors' },
    );
    const senior2 = mailbox
      .to(SUPERVISOR)
      .find(
        (mail) =>
          str(mail.headers.get('x-relaydesk-inquiry')) === inquiryId &&
          /\(level 2\)/.test(mail.subject ?? ''),
      )!;
    expect(senior2.text).toContain('A senior agent is required.');
    // The senior is alerted of the new assignment.
    await waitFor(() => subjectsTo(`${senior}@${AGENT_DOMAIN}`, inquiryId).length > 0, {
      timeoutMs: 20_000,
      what: 'the assignment mail to the senior agent',
    });
  });

  it('lets the senior answer (late) and resolve; the customer heard each step once', async () => {
    const inquiryId = german.accepted!.inquiryId;
    // The agent it was taken from may no longer answer.
    const refused = await agents.call(
      'POST',
      `/v1/inquiries/${inquiryId}/replies`,
      await asRole(german.agent, 'agent'),
      { body: 'zu spät' },
    );
    expect(refused.status).toBe(403);
    const token = await asRole(senior, 'agent');
    const reply = await agents.call('POST', `/v1/inquiries/${inquiryId}/replies`, token, {
      body: german.reply,
    });
    expect(reply.status).toBe(201);
    await waitFor(
      () =>
        receiver
          .about('/callback', inquiryId)
          .find((p) => p.body['kind'] === 'reply' && str(p.body['text']).includes(german.reply)),
      { timeoutMs: 20_000, what: 'the senior reply on the chat' },
    );
    expect((await agents.call('POST', `/v1/inquiries/${inquiryId}/resolve`, token)).status).toBe(200);
    await statusWhen(german.accepted!, (s) => s.status === 'resolved', 'the German inquiry resolved');

    const sla = await waitFor(
      async () => {
        const view = (await slaOf(inquiryId)).body;
        return view.clocks.every((clock) => clock.metAt !== undefined) && view;
      },
      { timeoutMs: 20_000, what: 'both clocks closed' },
    );
    const first = sla.clocks.find((clock) => clock.kind === 'first_response')!;
    expect(first.state).toBe('breached'); // answered, but late
    expect(Date.parse(first.metAt!)).toBeGreaterThan(Date.parse(first.dueAt));
    expect(sla.clocks.find((clock) => clock.kind === 'resolution')!.state).toBe('met');

    const log = await waitFor(
      async () => {
        const found = (await deliveries(inquiryId)).filter((d) => d.recipient === 'customer');
        return found.length >= 5 && found.every((d) => d.status === 'sent') && found;
      },
      { timeoutMs: 30_000, what: 'the customer deliveries of the German inquiry' },
    );
    // "An agent is on it" once: the hand-over to the senior is not news to the customer. (The log is
    // ordered by creation: a message held until the acknowledgement went out is created before it.)
    const bySending = [...log].sort((a, b) => Date.parse(a.sentAt!) - Date.parse(b.sentAt!));
    expect(bySending.map((d) => d.kind)).toEqual([
      'acknowledgement',
      'assigned',
      'sla_breach',
      'reply',
      'resolved',
    ]);
    expect(receiver.about('/callback', inquiryId).map((p) => p.body['kind'])).toEqual([
      'acknowledgement',
      'assigned',
      'sla_breach',
      'reply',
      'resolved',
    ]);
    const staff = await deliveries(inquiryId);
    expect(
      staff.filter((d) => d.kind === 'escalated' && d.recipient === 'supervisor').length,
    ).toBeGreaterThan(0);
    expect(staff.every((d) => d.status === 'sent')).toBe(true);

    await waitFor(() => german.stream!.types().includes('inquiry.resolved'), {
      timeoutMs: 20_000,
      what: 'inquiry.resolved on the live stream',
    });
    expect(german.stream!.types()).toEqual(
      expect.arrayContaining(['sla.warning', 'sla.breached', 'inquiry.escalated', 'inquiry.requeued']),
    );
  });
});

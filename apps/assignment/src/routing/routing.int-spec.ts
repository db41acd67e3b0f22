import { type EventEnvelope, Topic } from '@relaydesk/contracts';
import {
  cleanUpRun,
  isolatedEnv,
  type RunningService,
  testRunId,
  type TopicReader,
  waitFor,
} from '@relaydesk/testing';
import {
  Api,
  assignmentConfig,
  classified,
  envelope,
  Events,
  readTopic,
  sql,
  startAssignment,
  token,
  waitForRow,
} from '../../test/harness';

const runId = testRunId();
const env = isolatedEnv(runId, 'assignment');
const prefix = env['KAFKA_TOPIC_PREFIX'];
const schema = env['DB_SCHEMA'];

describe('routing against the real Kafka, Postgres and Redis', () => {
  let service: RunningService;
  let api: Api;
  let events: Events;
  let assigned: { reader: TopicReader; events: () => EventEnvelope[] };
  let requeued: { reader: TopicReader; events: () => EventEnvelope[] };

  const holder = async (inquiryId: string) =>
    (
      await sql<{ agent_id: string | null; status: string }>(
        `SELECT agent_id, status FROM "${schema}".inquiries WHERE id = $1`,
        [inquiryId],
      )
    )[0];
  const assignedTo = (inquiryId: string, what = `assignment of ${inquiryId}`) =>
    waitFor(
      async () => {
        const row = await holder(inquiryId);
        return row?.status === 'assigned' && row.agent_id ? row.agent_id : undefined;
      },
      { what },
    );
  const waiting = (ids: string[]) =>
    waitFor(
      async () => {
        const rows = await sql(
          `SELECT id FROM "${schema}".inquiries WHERE status = 'classified' AND id = ANY($1::uuid[])`,
          [ids],
        );
        return rows.length === ids.length;
      },
      { what: `${ids.length} waiting` },
    );

  beforeAll(async () => {
    const config = assignmentConfig({
      ...env,
      LANGUAGE_FALLBACK_SECONDS: '1',
      NO_REPLY_TIMEOUT_SECONDS: '3',
    });
    service = await startAssignment(config);
    api = new Api(service.url);
    events = await Events.connect(prefix);
    assigned = await readTopic(prefix, Topic.InquiryAssigned);
    requeued = await readTopic(prefix, Topic.InquiryRequeued);
  });

  afterAll(async () => {
    await assigned?.reader.stop();
    await requeued?.reader.stop();
    await events?.close();
    await service?.close();
    await cleanUpRun(runId);
  });

  it('serves urgent before high before normal before low, VIP first and then first come first served', async () => {
    const t0 = Date.now() - 60_000;
    const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();
    const spec = [
      { name: 'low-1', priority: 'low', tier: 'standard', at: 1 },
      { name: 'normal-2', priority: 'normal', tier: 'standard', at: 2 },
      { name: 'normal-vip-3', priority: 'normal', tier: 'vip', at: 3 },
      { name: 'urgent-4', priority: 'urgent', tier: 'standard', at: 4 },
      { name: 'high-5', priority: 'high', tier: 'standard', at: 5 },
      { name: 'normal-6', priority: 'normal', tier: 'standard', at: 6 },
      { name: 'urgent-vip-7', priority: 'urgent', tier: 'vip', at: 7 },
      { name: 'high-8', priority: 'high', tier: 'standard', at: 8 },
    ] as const;
    const sent = spec.map((item) =>
      classified({
        category: 'compliance',
        language: 'fr',
        priority: item.priority,
        customerTier: item.tier,
        acceptedAt: at(item.at),
      }),
    );
    const nameOf = new Map(sent.map((event, index) => [event.inquiryId, spec[index].name]));
    // Sent newest first: the order must come from priority, tier and acceptance, not from arrival.
    await events.send(Topic.InquiryClassified, ...[...sent].reverse());
    await waiting(sent.map((event) => event.inquiryId));
    await api.putAgent('fr-compliance', { languages: ['fr'], skills: ['compliance'], capacity: 1 }, 'online');
    const order: string[] = [];
    for (let index = 0; index < sent.length; index++) {
      const row = await waitForRow<{ id: string }>(
        `SELECT id FROM "${schema}".inquiries WHERE agent_id = 'fr-compliance' AND status = 'assigned'`,
        [],
        `assignment #${index + 1}`,
      );
      order.push(nameOf.get(row.id)!);
      expect(await api.resolve(row.id, 'fr-compliance')).toBe(200);
    }
    expect(order).toEqual([
      'urgent-vip-7',
      'urgent-4',
      'high-5',
      'high-8',
      'normal-vip-3',
      'normal-2',
      'normal-6',
      'low-1',
    ]);
  });

  it('assigns only to online agents with the skill and the language, within capacity; triage for needsReview', async () => {
    await api.putAgent('ja-trading', { languages: ['ja'], skills: ['trading'], capacity: 1 }, 'online');
    await api.putAgent('ja-trading-away', { languages: ['ja'], skills: ['trading'], capacity: 5 }, 'away');
    await api.putAgent('ja-account', { languages: ['ja'], skills: ['account'], capacity: 5 }, 'online');
    await api.putAgent('ja-triage', { languages: ['ja'], skills: ['triage'], capacity: 5 }, 'online');
    const first = classified({ category: 'trading', language: 'ja', priority: 'high' });
    const second = classified({ category: 'trading', language: 'ja', priority: 'high' });
    const unsure = classified({ category: 'trading', language: 'ja', needsReview: true });
    await events.send(Topic.InquiryClassified, first);
    expect(await assignedTo(first.inquiryId)).toBe('ja-trading');
    await events.send(Topic.InquiryClassified, second, unsure);
    expect(await assignedTo(unsure.inquiryId)).toBe('ja-triage');
    // ja-trading is at capacity, the other ja speakers lack the skill or are away: the second one waits...
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await holder(second.inquiryId))?.status).toBe('classified');
    // ...until capacity frees up, which assigns it at once.
    expect(await api.resolve(first.inquiryId, 'ja-trading')).toBe(200);
    expect(await assignedTo(second.inquiryId)).toBe('ja-trading');
    // A skill gained also lets waiting inquiries through.
    const security = classified({ category: 'security', language: 'ja' });
    await events.send(Topic.InquiryClassified, security);
    await waiting([security.inquiryId]);
    await api.putAgent('ja-account', { languages: ['ja'], skills: ['account', 'security'], capacity: 5 });
    expect(await assignedTo(security.inquiryId)).toBe('ja-account');
    const published = await waitFor(() =>
      assigned.events().find((event) => event.inquiryId === unsure.inquiryId),
    );
    expect(published.payload).toMatchObject({
      agentId: 'ja-triage',
      pool: 'triage.ja',
      translationNeeded: false,
    });
  });

  it('falls back to a skilled English speaker, flagged translationNeeded, when nobody online speaks the language', async () => {
    await api.putAgent(
      'en-deposits',
      { languages: ['en'], skills: ['deposit_withdrawal'], capacity: 5 },
      'online',
    );
    const korean = classified({ category: 'deposit_withdrawal', language: 'ko' });
    await events.send(Topic.InquiryClassified, korean);
    await waiting([korean.inquiryId]);
    expect(await assignedTo(korean.inquiryId)).toBe('en-deposits');
    const event = await waitFor(() => assigned.events().find((item) => item.inquiryId === korean.inquiryId));
    expect(event.payload).toMatchObject({ agentId: 'en-deposits', language: 'ko', translationNeeded: true });
    const waitedMs =
      Date.parse((event.payload as { assignedAt: string }).assignedAt) -
      Date.parse(korean.payload.classifiedAt);
    expect(waitedMs).toBeGreaterThanOrEqual(900);
  });

  it('requeues, ahead of its priority, what an agent going offline had not replied to, and keeps what it had', async () => {
    await api.putAgent('de-1', { languages: ['de'], skills: ['account'], capacity: 2 }, 'online');
    const replied = classified({ category: 'account', language: 'de' });
    const silent = classified({ category: 'account', language: 'de' });
    await events.send(Topic.InquiryClassified, replied);
    expect(await assignedTo(replied.inquiryId)).toBe('de-1');
    await events.send(Topic.InquiryClassified, silent);
    expect(await assignedTo(silent.inquiryId)).toBe('de-1');
    const reply = await api.call(
      'POST',
      `/v1/inquiries/${replied.inquiryId}/replies`,
      await token('de-1', 'agent'),
      {
        body: 'Wir prüfen das.',
      },
    );
    expect(reply.status).toBe(201);
    const offline = await api.presence('de-1', 'offline');
    expect(offline.requeued).toEqual([silent.inquiryId]);
    expect((await holder(replied.inquiryId))?.agent_id).toBe('de-1');
    const event = await waitFor(() => requeued.events().find((item) => item.inquiryId === silent.inquiryId));
    expect(event.payload).toMatchObject({ fromAgentId: 'de-1', reason: 'agent_offline' });
    await api.putAgent('de-2', { languages: ['de'], skills: ['account'], capacity: 2 }, 'online');
    expect(await assignedTo(silent.inquiryId)).toBe('de-2');
  });

  it('requeues an inquiry whose agent has not replied within NO_REPLY_TIMEOUT_SECONDS', async () => {
    await api.putAgent('es-1', { languages: ['es'], skills: ['technical'], capacity: 2 }, 'online');
    const inquiry = classified({ category: 'technical', language: 'es' });
    await events.send(Topic.InquiryClassified, inquiry);
    expect(await assignedTo(inquiry.inquiryId)).toBe('es-1');
    const event = await waitFor(
      () => requeued.events().find((item) => item.inquiryId === inquiry.inquiryId),
      {
        timeoutMs: 15_000,
        what: 'no-reply requeue',
      },
    );
    expect(event.payload).toMatchObject({ fromAgentId: 'es-1', reason: 'no_reply_timeout' });
    await waitFor(
      () => assigned.events().filter((item) => item.inquiryId === inquiry.inquiryId).length === 2,
      {
        what: 'second assignment',
      },
    );
  });

  it('re-routes an escalated inquiry to a senior agent at the raised priority', async () => {
    await api.putAgent('it-standard', { languages: ['it'], skills: ['security'], capacity: 3 }, 'online');
    const inquiry = classified({ category: 'security', language: 'it', priority: 'normal' });
    await events.send(Topic.InquiryClassified, inquiry);
    expect(await assignedTo(inquiry.inquiryId)).toBe('it-standard');
    await api.call(
      'POST',
      `/v1/inquiries/${inquiry.inquiryId}/replies`,
      await token('it-standard', 'agent'),
      { body: 'ok' },
    );
    await api.putAgent(
      'it-senior',
      { languages: ['it'], skills: ['security'], capacity: 3, tier: 'senior' },
      'online',
    );
    await events.send(
      Topic.InquiryEscalated,
      envelope(Topic.InquiryEscalated, inquiry.inquiryId, {
        inquiryId: inquiry.inquiryId,
        level: 1,
        reason: 'sla_warning',
        clock: 'first_response',
        priority: 'urgent',
        previousPriority: 'normal',
        requiresSenior: true,
        escalatedAt: new Date().toISOString(),
      }),
    );
    const moved = await waitFor(() =>
      assigned
        .events()
        .find(
          (item) =>
            item.inquiryId === inquiry.inquiryId &&
            (item.payload as { agentId: string }).agentId === 'it-senior',
        ),
    );
    expect(moved.payload).toMatchObject({ priority: 'urgent', pool: 'senior.security.it' });
    const event = requeued.events().find((item) => item.inquiryId === inquiry.inquiryId);
    expect(event?.payload).toMatchObject({
      fromAgentId: 'it-standard',
      reason: 'escalated',
      priority: 'urgent',
    });
    const [standard] = await sql(`SELECT load FROM "${schema}".agents WHERE id = 'it-standard'`);
    expect(standard.load).toBe(0);
  });
});

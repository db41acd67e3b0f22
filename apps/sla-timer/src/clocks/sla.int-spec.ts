import { Topic } from '@relaydesk/contracts';
import { cleanUpRun, isolatedEnv, type RunningService, testRunId, waitFor } from '@relaydesk/testing';
import { randomUUID } from 'node:crypto';
import {
  classified,
  EventSender,
  payloadOf,
  Published,
  putPolicy,
  shortPolicy,
  slaConfig,
  startSla,
  token,
} from '../../test/sla-harness';
import type { SlaView } from './sla.service';

const runId = testRunId();
const env = isolatedEnv(runId, 'sla-timer');
const prefix = env['KAFKA_TOPIC_PREFIX'];

describe('sla-timer against the real Kafka, Postgres and Redis (real time, seconds-long policy)', () => {
  let service: RunningService;
  let sender: EventSender;
  let published: Published;

  async function sla(inquiryId: string, role: 'agent' | 'supervisor' | 'admin' = 'agent'): Promise<Response> {
    return fetch(`${service.url}/v1/inquiries/${inquiryId}/sla`, {
      headers: { authorization: `Bearer ${await token(role)}` },
    });
  }

  async function clocksOf(inquiryId: string): Promise<SlaView> {
    const response = await sla(inquiryId);
    expect(response.status).toBe(200);
    return (await response.json()) as SlaView;
  }

  beforeAll(async () => {
    service = await startSla(slaConfig(env));
    sender = await EventSender.connect(prefix);
    published = await Published.start(prefix);
    const response = await putPolicy(service.url, shortPolicy({ urgent: 2, high: 3, normal: 4, low: 6 }));
    expect(response.status).toBe(200);
  });

  afterAll(async () => {
    await published?.stop();
    await sender?.close();
    await service?.close();
    await cleanUpRun(runId);
  });

  it('serves the policy document to supervisors and admins only; the version is in a header', async () => {
    const noToken = await fetch(`${service.url}/v1/sla/policies`);
    expect(noToken.status).toBe(401);
    const agent = await fetch(`${service.url}/v1/sla/policies`, {
      headers: { authorization: `Bearer ${await token('agent')}` },
    });
    expect(agent.status).toBe(403);
    const supervisor = await fetch(`${service.url}/v1/sla/policies`, {
      headers: { authorization: `Bearer ${await token('supervisor')}` },
    });
    expect(supervisor.status).toBe(200);
    expect(supervisor.headers.get('x-sla-policy-version')).toBe('2');
    expect(((await supervisor.json()) as { policies: unknown[] }).policies).toHaveLength(4);
    expect(
      (await putPolicy(service.url, shortPolicy({ urgent: 1, high: 1, normal: 1, low: 1 }), 'supervisor'))
        .status,
    ).toBe(403);
  });

  it('refuses an invalid document with field errors and keeps the one in force', async () => {
    const invalid = shortPolicy({ urgent: 2, high: 3, normal: 4, low: 6 });
    invalid.calendars[0].timezone = 'Mars/Olympus';
    invalid.policies = invalid.policies.filter((policy) => policy.priority !== 'low');
    const response = await putPolicy(service.url, invalid);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { field: string; message: string }[] };
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { field: 'calendars[0].timezone', message: 'unknown time zone "Mars/Olympus"' },
        expect.objectContaining({ field: 'policies', message: expect.stringContaining('"low"') }),
      ]),
    );
    const current = await fetch(`${service.url}/v1/sla/policies`, {
      headers: { authorization: `Bearer ${await token('admin')}` },
    });
    expect(current.headers.get('x-sla-policy-version')).toBe('2');
    const document = (await current.json()) as { calendars: { timezone: string }[]; policies: unknown[] };
    expect(document.calendars[0].timezone).toBe('UTC');
    expect(document.policies).toHaveLength(4);
  });

  it('answers 401, 403, 400 and 404 on the clocks endpoint as the contract says', async () => {
    expect((await fetch(`${service.url}/v1/inquiries/${randomUUID()}/sla`)).status).toBe(401);
    expect((await sla(randomUUID(), 'admin')).status).toBe(403);
    expect((await sla('not-a-uuid')).status).toBe(400);
    expect((await sla(randomUUID(), 'supervisor')).status).toBe(404);
  });

  it.each(['urgent', 'high', 'normal', 'low'] as const)(
    'an unanswered %s inquiry: deadlines, then warnings and breaches at their instants, escalation up to level 2',
    async (priority) => {
      const inquiryId = randomUUID();
      const start = new Date();
      await sender.send(Topic.InquiryClassified, [classified(inquiryId, priority, start)]);
      const set = await waitFor(() => published.of(inquiryId, Topic.SlaDeadlinesSet)[0], {
        what: 'deadlines set',
      });
      expect(payloadOf(set, Topic.SlaDeadlinesSet)).toMatchObject({
        priority,
        policy: `${priority}/standard@v2`,
      });
      // Both clocks breach in the end (resolution is at most 12 s away).
      await waitFor(() => published.of(inquiryId, Topic.SlaBreached).length === 2, {
        timeoutMs: 25_000,
        what: 'two breaches',
      });
      await new Promise((resolve) => setTimeout(resolve, 500)); // nothing more should come
      const warnings = published.of(inquiryId, Topic.SlaWarning).map((e) => payloadOf(e, Topic.SlaWarning));
      const breaches = published.of(inquiryId, Topic.SlaBreached).map((e) => payloadOf(e, Topic.SlaBreached));
      const escalations = published
        .of(inquiryId, Topic.InquiryEscalated)
        .map((e) => payloadOf(e, Topic.InquiryEscalated));
      for (const kind of ['first_response', 'resolution'] as const) {
        const breach = breaches.filter((b) => b.clock === kind);
        expect(breach).toHaveLength(1);
        expect(Date.parse(breach[0].breachedAt)).toBeGreaterThanOrEqual(Date.parse(breach[0].dueAt));
        const warning = warnings.filter((w) => w.clock === kind);
        // A clock whose deadlines a level-1 escalation pulled into the past may breach without a separate warning.
        expect(warning.length).toBeLessThanOrEqual(1);
        if (warning[0])
          expect(Date.parse(warning[0].firedAt)).toBeLessThanOrEqual(Date.parse(breach[0].breachedAt));
      }
      expect(escalations.map((e) => e.level)).toEqual([1, 2]);
      expect(escalations[0]).toMatchObject({ requiresSenior: false, previousPriority: priority });
      expect(escalations[1]).toMatchObject({ requiresSenior: true });
      if (priority === 'urgent')
        expect(escalations[0]).toMatchObject({ reason: 'sla_warning', priority: 'urgent' });
      else expect(escalations[0]).toMatchObject({ reason: 'sla_breach' });
      const view = await clocksOf(inquiryId);
      expect(view.escalationLevel).toBe(2);
      expect(view.clocks.map((c) => c.state)).toEqual(['breached', 'breached']);
    },
    40_000,
  );

  it('pause and resume: a reply meets the first response and pauses resolution; the customer answer pushes its deadline', async () => {
    const inquiryId = randomUUID();
    const start = new Date();
    await sender.send(Topic.InquiryClassified, [classified(inquiryId, 'low', start)]);
    await waitFor(() => published.of(inquiryId, Topic.SlaDeadlinesSet)[0], { what: 'deadlines set' });
    const before = await clocksOf(inquiryId);
    const originalDue = Date.parse(before.clocks[1].dueAt); // start + 12 s
    const repliedAt = new Date();
    await sender.send(Topic.InquiryResponded, [
      {
        inquiryId,
        replyId: randomUUID(),
        agentId: 'agent-1',
        body: 'On it.',
        firstResponse: true,
        respondedAt: repliedAt.toISOString(),
      },
    ]);
    const paused = await waitFor(async () => {
      const view = await clocksOf(inquiryId);
      return view.clocks[1].state === 'paused' && view;
    });
    expect(paused.clocks[0]).toMatchObject({ state: 'met', metAt: repliedAt.toISOString() });
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const wroteAt = new Date();
    await sender.send(Topic.InquiryMessageAdded, [
      {
        inquiryId,
        messageId: randomUUID(),
        adapterId: 'demo',
        externalId: randomUUID(),
        channel: 'form',
        body: 'Here is the tx hash.',
        receivedAt: wroteAt.toISOString(),
        acceptedAt: wroteAt.toISOString(),
      },
    ]);
    const resumed = await waitFor(async () => {
      const view = await clocksOf(inquiryId);
      return view.clocks[1].state === 'running' && view;
    });
    const newDue = Date.parse(resumed.clocks[1].dueAt);
    expect(newDue - originalDue).toBe(wroteAt.getTime() - repliedAt.getTime());
    // The breach fires at the new deadline, not the old one; the first response never breaches.
    const breach = await waitFor(() => published.of(inquiryId, Topic.SlaBreached)[0], {
      timeoutMs: 25_000,
      what: 'breach',
    });
    expect(payloadOf(breach, Topic.SlaBreached)).toMatchObject({
      clock: 'resolution',
      dueAt: new Date(newDue).toISOString(),
    });
    expect(Date.parse(payloadOf(breach, Topic.SlaBreached).breachedAt)).toBeGreaterThanOrEqual(newDue);
    expect(published.of(inquiryId, Topic.SlaBreached)).toHaveLength(1);
    const states = published.of(inquiryId, Topic.SlaDeadlinesSet).map((e) =>
      payloadOf(e, Topic.SlaDeadlinesSet)
        .clocks.map((c) => c.state)
        .join('/'),
    );
    expect(states.slice(0, 3)).toEqual(['running/running', 'met/paused', 'met/running']);
  }, 40_000);

  it('resolution stops every clock: nothing fires afterwards', async () => {
    const inquiryId = randomUUID();
    await sender.send(Topic.InquiryClassified, [classified(inquiryId, 'low', new Date())]);
    await waitFor(() => published.of(inquiryId, Topic.SlaDeadlinesSet)[0], { what: 'deadlines set' });
    await sender.send(Topic.InquiryResolved, [
      { inquiryId, resolvedBy: 'agent-1', resolvedAt: new Date().toISOString() },
    ]);
    await waitFor(async () => (await clocksOf(inquiryId)).clocks.every((c) => c.state === 'met'), {
      what: 'met',
    });
    await new Promise((resolve) => setTimeout(resolve, 13_000)); // past both deadlines
    expect(published.of(inquiryId, Topic.SlaWarning)).toHaveLength(0);
    expect(published.of(inquiryId, Topic.SlaBreached)).toHaveLength(0);
  }, 40_000);

  it('a reclassification that changes the priority recomputes from the original classification time', async () => {
    const inquiryId = randomUUID();
    const start = new Date(Date.now() - 1_000);
    await sender.send(Topic.InquiryClassified, [classified(inquiryId, 'low', start)]);
    await waitFor(() => published.of(inquiryId, Topic.SlaDeadlinesSet)[0], { what: 'deadlines set' });
    await sender.send(Topic.InquiryClassified, [
      classified(inquiryId, 'high', new Date(), { reclassification: true, previousPriority: 'low' }),
    ]);
    const recomputed = await waitFor(() => published.of(inquiryId, Topic.SlaDeadlinesSet)[1], {
      what: 'recomputed',
    });
    const payload = payloadOf(recomputed, Topic.SlaDeadlinesSet);
    expect(payload.priority).toBe('high');
    expect(payload.firstResponseDueAt).toBe(new Date(start.getTime() + 3_000).toISOString());
    expect(payload.resolutionDueAt).toBe(new Date(start.getTime() + 6_000).toISOString());
    // The low deadlines' timers are gone: exactly one breach per clock, at the high deadlines.
    await waitFor(() => published.of(inquiryId, Topic.SlaBreached).length === 2, {
      timeoutMs: 20_000,
      what: 'breaches',
    });
    await new Promise((resolve) => setTimeout(resolve, 7_000)); // past the old low deadlines (6 s / 12 s)
    const breaches = published.of(inquiryId, Topic.SlaBreached).map((e) => payloadOf(e, Topic.SlaBreached));
    expect(breaches.map((b) => b.clock).sort()).toEqual(['first_response', 'resolution']);
    expect(breaches.find((b) => b.clock === 'first_response')!.dueAt).toBe(payload.firstResponseDueAt);
  }, 40_000);
});

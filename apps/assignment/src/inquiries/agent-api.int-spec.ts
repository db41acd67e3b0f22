/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- HTTP answers and SQL rows are checked by the assertions, not by types */
import { JwtService } from '@nestjs/jwt';
import { type EventEnvelope, Topic } from '@relaydesk/contracts';
import {
  cleanUpRun,
  isolatedEnv,
  type RunningService,
  testRunId,
  type TopicReader,
  waitFor,
} from '@relaydesk/testing';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import {
  Api,
  assignmentConfig,
  classified,
  envelope,
  Events,
  readTopic,
  SECRET,
  sql,
  startAssignment,
  token,
} from '../../test/harness';

const runId = testRunId();
const env = isolatedEnv(runId, 'assignment');
const prefix = env['KAFKA_TOPIC_PREFIX'];
const schema = env['DB_SCHEMA'];
type Role = 'agent' | 'supervisor' | 'admin';

/** Reads an SSE stream; collects `event:` blocks. */
function openStream(
  url: string,
  bearer: string,
): Promise<{ events: { event: string; data: any }[]; close: () => void; status: number }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { authorization: `Bearer ${bearer}` } }, (response) => {
      const events: { event: string; data: any }[] = [];
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop() ?? '';
        for (const block of blocks) {
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      });
      response.on('error', () => undefined);
      resolve({ events, status: response.statusCode ?? 0, close: () => request.destroy() });
    });
    request.on('error', reject);
  });
}

describe('the agent API', () => {
  let service: RunningService;
  let api: Api;
  let events: Events;
  let responded: { reader: TopicReader; events: () => EventEnvelope[] };
  let resolvedTopic: { reader: TopicReader; events: () => EventEnvelope[] };

  beforeAll(async () => {
    service = await startAssignment(
      assignmentConfig({ ...env, LANGUAGE_FALLBACK_SECONDS: '600', SSE_KEEPALIVE_SECONDS: '1' }),
    );
    api = new Api(service.url);
    events = await Events.connect(prefix);
    responded = await readTopic(prefix, Topic.InquiryResponded);
    resolvedTopic = await readTopic(prefix, Topic.InquiryResolved);
  });

  afterAll(async () => {
    await responded?.reader.stop();
    await resolvedTopic?.reader.stop();
    await events?.close();
    await service?.close();
    await cleanUpRun(runId);
  });

  describe('401 and 403 for every call', () => {
    const someId = randomUUID();
    const calls: { method: string; path: string; body?: unknown; allowed: Role[] }[] = [
      {
        method: 'PUT',
        path: '/v1/agents/matrix-1',
        body: { name: 'x', languages: ['en'], skills: ['trading'], capacity: 1, tier: 'standard' },
        allowed: ['admin'],
      },
      {
        method: 'PUT',
        path: '/v1/agents/matrix-1/presence',
        body: { status: 'online' },
        allowed: ['agent', 'admin'],
      },
      { method: 'GET', path: '/v1/agents/me/inquiries', allowed: ['agent'] },
      { method: 'GET', path: `/v1/inquiries/${someId}`, allowed: ['agent', 'supervisor'] },
      { method: 'POST', path: `/v1/inquiries/${someId}/replies`, body: { body: 'hi' }, allowed: ['agent'] },
      { method: 'POST', path: `/v1/inquiries/${someId}/resolve`, allowed: ['agent', 'supervisor'] },
      { method: 'POST', path: `/v1/inquiries/${someId}/reassign`, body: {}, allowed: ['supervisor'] },
      { method: 'GET', path: '/v1/queues', allowed: ['supervisor', 'admin'] },
      { method: 'GET', path: '/v1/agents/me/events', allowed: ['agent'] },
    ];

    it.each(calls)('$method $path', async ({ method, path, body, allowed }) => {
      expect((await api.call(method, path, undefined, body)).status).toBe(401);
      expect((await api.call(method, path, 'not-a-jwt', body)).status).toBe(401);
      expect(
        (await api.call(method, path, await token('matrix-1', 'admin', 'another-secret-value'), body)).status,
      ).toBe(401);
      const expired = await new JwtService({}).signAsync(
        { sub: 'matrix-1', role: 'admin', exp: Math.floor(Date.now() / 1000) - 10 },
        { secret: SECRET, algorithm: 'HS256' },
      );
      expect((await api.call(method, path, expired, body)).status).toBe(401);
      for (const role of ['agent', 'supervisor', 'admin'] as const) {
        if (allowed.includes(role)) continue;
        const answer = await api.call(method, path, await token('matrix-1', role), body);
        expect({ role, status: answer.status }).toEqual({ role, status: 403 });
      }
    });

    it('refuses a caller with an allowed role who is not the right agent (403), and unknown resources (404)', async () => {
      await api.putAgent('owner-1', { languages: ['pt'], skills: ['account'], capacity: 2 }, 'online');
      const other = await token('someone-else', 'agent');
      expect((await api.call('PUT', '/v1/agents/owner-1/presence', other, { status: 'away' })).status).toBe(
        403,
      );
      expect(
        (
          await api.call('PUT', '/v1/agents/ghost/presence', await token('admin', 'admin'), {
            status: 'away',
          })
        ).status,
      ).toBe(404);
      expect(
        (await api.call('GET', `/v1/inquiries/${randomUUID()}`, await token('sup', 'supervisor'))).status,
      ).toBe(404);
      const inquiry = classified({ category: 'account', language: 'pt' });
      await events.send(Topic.InquiryClassified, inquiry);
      await waitFor(
        async () =>
          (
            await sql(`SELECT 1 FROM "${schema}".inquiries WHERE id = $1 AND agent_id = 'owner-1'`, [
              inquiry.inquiryId,
            ])
          ).length === 1,
      );
      const id = inquiry.inquiryId;
      expect((await api.call('GET', `/v1/inquiries/${id}`, other)).status).toBe(403);
      expect((await api.call('POST', `/v1/inquiries/${id}/replies`, other, { body: 'x' })).status).toBe(403);
      expect((await api.call('POST', `/v1/inquiries/${id}/resolve`, other)).status).toBe(403);
    });

    it('answers 400 with field errors for an invalid body', async () => {
      const answer = await api.call('PUT', '/v1/agents/bad-1', await token('admin', 'admin'), {
        name: '',
        languages: ['english'],
        skills: ['cooking'],
        capacity: -1,
        tier: 'boss',
      });
      expect(answer.status).toBe(400);
      expect(answer.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
        'capacity',
        'languages.0',
        'name',
        'skills.0',
        'tier',
      ]);
    });
  });

  it('lets the assigned agent read, reply and resolve; streams assignments, follow-ups, SLA warnings; supervisors see queues and reassign', async () => {
    await api.putAgent('vi-1', { languages: ['vi'], skills: ['technical'], capacity: 2 }, 'online');
    await api.putAgent('vi-2', { languages: ['vi'], skills: ['technical'], capacity: 2 }, 'away');
    const agentToken = await token('vi-1', 'agent');
    const supervisor = await token('sup-1', 'supervisor');
    const stream = await openStream(`${service.url}/v1/agents/me/events`, agentToken);
    expect(stream.status).toBe(200);
    try {
      const inquiryId = randomUUID();
      const now = new Date().toISOString();
      await events.send(
        Topic.InquiryReceived,
        envelope(Topic.InquiryReceived, inquiryId, {
          inquiryId,
          messageId: randomUUID(),
          adapterId: 'demo',
          externalId: randomUUID(),
          channel: 'chat',
          customer: { tier: 'vip', name: 'Lan' },
          subject: 'App crashes',
          body: 'The app crashes when I open the wallet.',
          receivedAt: now,
          acceptedAt: now,
        }),
      );
      await events.send(
        Topic.InquiryClassified,
        classified({
          inquiryId,
          category: 'technical',
          language: 'vi',
          customerTier: 'vip',
          channel: 'chat',
        }),
      );
      await waitFor(
        () => stream.events.find((event) => event.event === 'assigned' && event.data.inquiryId === inquiryId),
        { what: 'assigned on the stream' },
      );
      const mine = await api.call('GET', '/v1/agents/me/inquiries', agentToken);
      expect(mine.body.map((item: { inquiryId: string }) => item.inquiryId)).toContain(inquiryId);
      await events.send(
        Topic.SlaDeadlinesSet,
        envelope(Topic.SlaDeadlinesSet, inquiryId, {
          inquiryId,
          priority: 'normal',
          policy: 'normal/vip',
          firstResponseDueAt: '2030-01-01T00:00:00.000Z',
          resolutionDueAt: '2030-01-02T00:00:00.000Z',
          clocks: [{ kind: 'first_response', dueAt: '2030-01-01T00:00:00.000Z', state: 'running' }],
          setAt: now,
        }),
      );
      const detail = await waitFor(
        async () => {
          const answer = await api.call('GET', `/v1/inquiries/${inquiryId}`, agentToken);
          return answer.body?.sla && answer.body.messages.length === 1 && answer;
        },
        { what: 'inquiry with SLA and message' },
      );
      expect(detail.status).toBe(200);
      expect(detail.body).toMatchObject({
        status: 'assigned',
        channel: 'chat',
        customer: { tier: 'vip' },
        classification: { category: 'technical', language: 'vi' },
        assignment: { agentId: 'vi-1', pool: 'technical.vi' },
        sla: { firstResponseDueAt: '2030-01-01T00:00:00.000Z' },
      });
      const reply = await api.call('POST', `/v1/inquiries/${inquiryId}/replies`, agentToken, {
        body: 'Please update the app.',
      });
      expect(reply.status).toBe(201);
      expect(reply.body.firstResponse).toBe(true);
      const second = await api.call('POST', `/v1/inquiries/${inquiryId}/replies`, agentToken, {
        body: 'Any news?',
      });
      expect(second.body.firstResponse).toBe(false);
      const published = await waitFor(
        () =>
          responded.events().filter((event) => event.inquiryId === inquiryId).length === 2 &&
          responded.events(),
      );
      expect(published.find((event) => event.inquiryId === inquiryId)!.payload).toMatchObject({
        agentId: 'vi-1',
        body: 'Please update the app.',
        firstResponse: true,
      });
      await events.send(
        Topic.InquiryMessageAdded,
        envelope(Topic.InquiryMessageAdded, inquiryId, {
          inquiryId,
          messageId: randomUUID(),
          adapterId: 'demo',
          externalId: randomUUID(),
          channel: 'chat',
          body: 'Updated, still crashes.',
          receivedAt: new Date().toISOString(),
          acceptedAt: new Date().toISOString(),
        }),
      );
      await events.send(
        Topic.SlaWarning,
        envelope(Topic.SlaWarning, inquiryId, {
          inquiryId,
          clock: 'resolution',
          priority: 'normal',
          dueAt: '2030-01-02T00:00:00.000Z',
          warnAt: '2030-01-01T18:00:00.000Z',
          firedAt: new Date().toISOString(),
        }),
      );
      await waitFor(
        () =>
          stream.events.find(
            (event) => event.event === 'follow_up' && event.data.body === 'Updated, still crashes.',
          ),
        { what: 'follow-up on the stream' },
      );
      await waitFor(
        () =>
          stream.events.find((event) => event.event === 'sla_warning' && event.data.clock === 'resolution'),
        { what: 'warning on the stream' },
      );

      const queues = await api.call('GET', '/v1/queues', supervisor);
      expect(queues.status).toBe(200);
      expect(queues.body.queues.map((queue: { queue: string }) => queue.queue)).toEqual([
        'routing-urgent',
        'routing-high',
        'routing-normal',
        'routing-low',
      ]);

      // Supervisor: to a named agent, then back to routing.
      await api.presence('vi-2', 'online');
      const handed = await api.call('POST', `/v1/inquiries/${inquiryId}/reassign`, supervisor, {
        agentId: 'vi-2',
      });
      expect(handed.body).toEqual({ inquiryId, status: 'assigned', agentId: 'vi-2' });
      await waitFor(
        () =>
          stream.events.find((event) => event.event === 'unassigned' && event.data.inquiryId === inquiryId),
        { what: 'unassigned on the stream' },
      );
      expect(
        (await api.call('POST', `/v1/inquiries/${inquiryId}/reassign`, supervisor, { agentId: 'ghost' }))
          .status,
      ).toBe(404);
      const resolve = await api.call(
        'POST',
        `/v1/inquiries/${inquiryId}/resolve`,
        await token('vi-2', 'agent'),
      );
      expect(resolve.status).toBe(200);
      expect((await api.call('POST', `/v1/inquiries/${inquiryId}/resolve`, supervisor)).status).toBe(409);
      await waitFor(() => resolvedTopic.events().find((event) => event.inquiryId === inquiryId));
      const loads = await sql(
        `SELECT id, load FROM "${schema}".agents WHERE id IN ('vi-1', 'vi-2') ORDER BY id`,
      );
      expect(loads.map((row) => row.load)).toEqual([0, 0]);
    } finally {
      stream.close();
    }
  });

  it('serves the OpenAPI document with the agent calls', async () => {
    const document = (await (await fetch(`${service.url}/docs-json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/agents/{id}',
        '/v1/agents/{id}/presence',
        '/v1/agents/me/inquiries',
        '/v1/agents/me/events',
        '/v1/inquiries/{id}',
        '/v1/inquiries/{id}/replies',
        '/v1/inquiries/{id}/resolve',
        '/v1/inquiries/{id}/reassign',
        '/v1/queues',
      ]),
    );
  });
});

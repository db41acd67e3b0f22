import { Topic } from '@relaydesk/contracts';
import { waitFor, withPg } from '@relaydesk/testing';
import { randomUUID } from 'node:crypto';
import { at, classified, EventSender } from '../../test/events';
import { postInquiry, startIntake, startIntakeReplica } from '../../test/intake-harness';
import type { CustomerStatus } from './timeline.service';

/** Reads an SSE response and collects its frames. */
class SseClient {
  readonly frames: { id: string; data: { type: string; at: string } }[] = [];
  readonly comments: string[] = [];
  private readonly controller = new AbortController();
  status = 0;

  static async open(url: string, token: string, lastEventId?: string): Promise<SseClient> {
    const client = new SseClient();
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
      signal: client.controller.signal,
    });
    client.status = response.status;
    if (response.ok && response.body) void client.read(response.body);
    return client;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          const id = lines.find((line) => line.startsWith('id: '))?.slice(4);
          const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
          if (id !== undefined && data !== undefined) this.frames.push({ id, data: JSON.parse(data) });
          for (const line of lines) if (line.startsWith(':')) this.comments.push(line);
        }
      }
    } catch {
      // aborted
    }
  }

  close(): void {
    this.controller.abort();
  }
}

describe('customer status and live timeline against the real Postgres, Kafka and Redis', () => {
  let intake: Awaited<ReturnType<typeof startIntake>>;
  let url: string;
  let sender: EventSender;

  const status = async (inquiryId: string, token?: string) => {
    const response = await fetch(`${url}/v1/inquiries/${inquiryId}/status`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: (await response.json()) as CustomerStatus };
  };
  const statusWhen = (inquiryId: string, token: string, done: (body: CustomerStatus) => boolean) =>
    waitFor(async () => {
      const answer = await status(inquiryId, token);
      return answer.status === 200 && done(answer.body) && answer.body;
    });
  const newInquiry = async (overrides: Record<string, unknown> = {}) => {
    const answer = await postInquiry(url, {
      channel: 'chat',
      externalId: `ext-${randomUUID()}`,
      customer: { id: `cust-${randomUUID()}`, email: 'kana@example.com', handle: '@kana' },
      body: 'Where is my withdrawal?',
      ...overrides,
    });
    expect(answer.status).toBe(202);
    return answer.body;
  };

  beforeAll(async () => {
    intake = await startIntake({ SSE_KEEPALIVE_SECONDS: '1' });
    url = intake.service.url;
    sender = await EventSender.start(intake.env['KAFKA_TOPIC_PREFIX']);
  });

  afterAll(async () => {
    await sender.stop();
    await intake.stop();
  });

  it('builds the status from the events of every service, without agent data, replies or other customers', async () => {
    const { inquiryId, trackingToken } = await newInquiry();
    const other = await newInquiry();
    expect((await status(inquiryId, trackingToken)).body.status).toBe('received');
    await statusWhen(inquiryId, trackingToken, (body) => body.timeline.length === 1);

    await sender.send(Topic.InquiryClassified, inquiryId, classified(inquiryId, 1));
    await sender.send(Topic.SlaDeadlinesSet, inquiryId, {
      inquiryId,
      priority: 'high',
      policy: 'high/vip',
      firstResponseDueAt: '2030-01-01T01:00:00.000Z',
      resolutionDueAt: '2030-01-01T08:00:00.000Z',
      clocks: [],
      setAt: at(2),
    });
    await sender.send(Topic.InquiryAssigned, inquiryId, {
      inquiryId,
      agentId: 'agent-yuki-tanaka',
      category: 'deposit_withdrawal',
      priority: 'high',
      language: 'ja',
      pool: 'deposit_withdrawal-ja',
      translationNeeded: false,
      assignedAt: at(3),
    });
    await sender.send(Topic.InquiryResponded, inquiryId, {
      inquiryId,
      replyId: randomUUID(),
      agentId: 'agent-yuki-tanaka',
      body: 'INTERNAL: flagged by compliance',
      firstResponse: true,
      respondedAt: at(4),
    });
    await sender.send(Topic.SlaWarning, other.inquiryId, {
      inquiryId: other.inquiryId,
      clock: 'first_response',
      priority: 'normal',
      dueAt: at(60),
      warnAt: at(5),
      firedAt: at(5),
    });

    const body = await statusWhen(inquiryId, trackingToken, (current) => current.timeline.length === 5);
    expect(body).toEqual({
      inquiryId,
      status: 'awaiting_customer',
      category: 'deposit_withdrawal',
      priority: 'high',
      language: 'ja',
      sla: { firstResponseDueAt: '2030-01-01T01:00:00.000Z', resolutionDueAt: '2030-01-01T08:00:00.000Z' },
      timeline: [
        { type: 'inquiry.received', at: expect.any(String) },
        { type: 'inquiry.classified', at: expect.any(String) },
        { type: 'sla.deadlines-set', at: expect.any(String) },
        { type: 'inquiry.assigned', at: expect.any(String) },
        { type: 'inquiry.responded', at: expect.any(String) },
      ],
    });
    expect(JSON.stringify(body)).not.toMatch(/yuki|INTERNAL|compliance|kana|sla\.warning/);
    // The other customer's token does not open this inquiry.
    expect((await status(inquiryId, other.trackingToken)).status).toBe(404);
  });

  it('records a redelivered event once, and a late classification does not move an assigned inquiry back', async () => {
    const { inquiryId, trackingToken } = await newInquiry();
    const assigned = await sender.send(Topic.InquiryAssigned, inquiryId, {
      inquiryId,
      agentId: 'a1',
      category: 'trading',
      priority: 'normal',
      language: 'en',
      pool: 'p',
      translationNeeded: false,
      assignedAt: at(5),
    });
    await sender.resend(Topic.InquiryAssigned, assigned);
    await sender.send(Topic.InquiryClassified, inquiryId, classified(inquiryId, 1));
    const body = await statusWhen(inquiryId, trackingToken, (current) =>
      current.timeline.some((entry) => entry.type === 'inquiry.classified'),
    );
    expect(body.status).toBe('assigned');
    expect(body.category).toBe('deposit_withdrawal');
    await sender.send(Topic.SlaBreached, inquiryId, {
      inquiryId,
      clock: 'first_response',
      priority: 'normal',
      dueAt: at(6),
      breachedAt: at(6),
      escalationLevel: 1,
    });
    const after = await statusWhen(inquiryId, trackingToken, (current) =>
      current.timeline.some((entry) => entry.type === 'sla.breached'),
    );
    expect(after.timeline.filter((entry) => entry.type === 'inquiry.assigned')).toHaveLength(1);
  });

  it('401 without a token; 404 alike for a wrong token, an unknown id and a malformed id', async () => {
    const { inquiryId, trackingToken } = await newInquiry();
    const missing = await status(inquiryId);
    expect(missing.status).toBe(401);
    const wrong = await status(inquiryId, `${trackingToken.slice(0, -2)}xx`);
    const unknown = await status(randomUUID(), trackingToken);
    const malformed = await status('not-a-uuid', trackingToken);
    expect([wrong.status, unknown.status, malformed.status]).toEqual([404, 404, 404]);
    expect(wrong.body).toEqual(unknown.body);
    const stream = await SseClient.open(`${url}/v1/inquiries/${inquiryId}/events`, `${trackingToken}x`);
    expect(stream.status).toBe(404);
    const noToken = await fetch(`${url}/v1/inquiries/${inquiryId}/events`);
    expect(noToken.status).toBe(401);
  });

  it('opens a new inquiry linked to a resolved one for a message in its thread', async () => {
    const customer = { email: `Mia.${randomUUID()}@example.com` };
    const first = await newInquiry({ customer, threadId: 'mail-thread-1' });
    await sender.send(Topic.InquiryResolved, first.inquiryId, {
      inquiryId: first.inquiryId,
      resolvedBy: 'agent-1',
      resolvedAt: at(1),
    });
    await statusWhen(first.inquiryId, first.trackingToken, (body) => body.status === 'resolved');
    const reopened = await postInquiry(url, {
      channel: 'chat',
      externalId: `ext-${randomUUID()}`,
      threadId: 'mail-thread-1',
      customer: { email: customer.email.toLowerCase() },
      body: 'It happened again',
    });
    expect(reopened.status).toBe(202);
    expect(reopened.body.inquiryId).not.toBe(first.inquiryId);
    expect(reopened.body.previousInquiryId).toBe(first.inquiryId);
    expect(reopened.body.trackingToken).not.toBe(first.trackingToken);
    const link = await withPg(async (client) => {
      const { rows } = await client.query<{ previous: string }>(
        `SELECT previous_inquiry_id AS previous FROM "${intake.config.DB_SCHEMA}".inquiries WHERE id = $1`,
        [reopened.body.inquiryId],
      );
      return rows[0]?.previous;
    });
    expect(link).toBe(first.inquiryId);
    // The thread now continues in the new inquiry.
    const next = await postInquiry(url, {
      channel: 'chat',
      externalId: `ext-${randomUUID()}`,
      threadId: 'mail-thread-1',
      customer,
      body: 'any update?',
    });
    expect(next.body.inquiryId).toBe(reopened.body.inquiryId);
  });

  it('streams timeline entries live as Server-Sent Events and resumes after Last-Event-ID', async () => {
    const { inquiryId, trackingToken } = await newInquiry();
    const streamUrl = `${url}/v1/inquiries/${inquiryId}/events`;
    const live = await SseClient.open(streamUrl, trackingToken);
    try {
      expect(live.status).toBe(200);
      await waitFor(() => live.frames.length === 1);
      expect(live.frames[0]).toEqual({ id: '1', data: { type: 'inquiry.received', at: expect.any(String) } });

      await sender.send(Topic.InquiryClassified, inquiryId, classified(inquiryId, 1));
      await waitFor(() => live.frames.length === 2);
      expect(live.frames[1]).toMatchObject({ id: '2', data: { type: 'inquiry.classified' } });

      // Keep-alive comments while nothing happens.
      await waitFor(() => live.comments.length > 0, { timeoutMs: 5_000 });

      const resumed = await SseClient.open(streamUrl, trackingToken, '1');
      try {
        await sender.send(Topic.InquiryAssigned, inquiryId, {
          inquiryId,
          agentId: 'agent-9',
          category: 'deposit_withdrawal',
          priority: 'high',
          language: 'ja',
          pool: 'p',
          translationNeeded: false,
          assignedAt: at(2),
        });
        await waitFor(() => resumed.frames.length === 2 && live.frames.length === 3);
        expect(resumed.frames.map((frame) => [frame.id, frame.data.type])).toEqual([
          ['2', 'inquiry.classified'],
          ['3', 'inquiry.assigned'],
        ]);
        expect(JSON.stringify(live.frames)).not.toContain('agent-9');
      } finally {
        resumed.close();
      }
    } finally {
      live.close();
    }
  });

  it('has the received entry as soon as the post is answered', async () => {
    const { inquiryId, trackingToken } = await newInquiry();
    // No waiting: the accepting statement wrote the entry with the inquiry.
    const first = await status(inquiryId, trackingToken);
    expect(first.status).toBe(200);
    expect(first.body.timeline).toEqual([{ type: 'inquiry.received', at: expect.any(String) }]);
    // The consumer finds inquiry.received.v1 already recorded; later events follow it as usual.
    await sender.send(Topic.InquiryClassified, inquiryId, classified(inquiryId, 1));
    const after = await statusWhen(inquiryId, trackingToken, (body) => body.timeline.length >= 2);
    expect(after.timeline.map((entry) => entry.type)).toEqual(['inquiry.received', 'inquiry.classified']);
  });

  it('streams entries projected by another replica (announced through Redis after the commit)', async () => {
    const { inquiryId, trackingToken } = await newInquiry();
    // This replica consumes nothing: every frame it sends was projected and announced by the other one.
    const replica = await startIntakeReplica(intake.env);
    try {
      const live = await SseClient.open(`${replica.url}/v1/inquiries/${inquiryId}/events`, trackingToken);
      try {
        expect(live.status).toBe(200);
        await waitFor(() => live.frames.length === 1);
        const event = await sender.send(Topic.InquiryClassified, inquiryId, classified(inquiryId, 1));
        await waitFor(() => live.frames.length === 2);
        // A redelivered event adds no entry (it may still wake the stream): the next one is the third frame.
        await sender.resend(Topic.InquiryClassified, event);
        await sender.send(Topic.SlaWarning, inquiryId, {
          inquiryId,
          clock: 'first_response',
          priority: 'normal',
          dueAt: at(60),
          warnAt: at(5),
          firedAt: at(5),
        });
        await waitFor(() => live.frames.length >= 3);
        expect(live.frames.map((frame) => [frame.id, frame.data.type])).toEqual([
          ['1', 'inquiry.received'],
          ['2', 'inquiry.classified'],
          ['3', 'sla.warning'],
        ]);
      } finally {
        live.close();
      }
    } finally {
      await replica.close();
    }
  });
});

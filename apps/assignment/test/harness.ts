/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP answers and SQL rows are checked by the assertions, not by types */
import { JwtService } from '@nestjs/jwt';
import { type EventEnvelope, type PayloadOf, Topic } from '@relaydesk/contracts';
import { KafkaEventServer } from '@relaydesk/messaging';
import { signAgentToken } from '@relaydesk/runtime';
import {
  classifiedPayload,
  type RunningService,
  startTestService,
  testKafka,
  TopicReader,
  waitFor,
  withPg,
} from '@relaydesk/testing';
import type { Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { type AssignmentConfig, loadAssignmentConfig } from '../src/config';

export const SECRET = 'test-agent-secret';

export function assignmentConfig(env: Record<string, string>): AssignmentConfig {
  return loadAssignmentConfig({ ...process.env, AGENT_JWT_SECRET: SECRET, ...env });
}

export function startAssignment(config: AssignmentConfig): Promise<RunningService> {
  return startTestService(AppModule.forRoot(config), {
    config,
    openApi: { title: 'assignment', description: 'test', bearerAuth: true },
    transports: [KafkaEventServer],
  });
}

const jwt = new JwtService({});
export function token(
  sub: string,
  role: 'agent' | 'supervisor' | 'admin',
  secret = SECRET,
  ttl = 3600,
): Promise<string> {
  return signAgentToken(jwt, { sub, role }, secret, ttl);
}

/** A small HTTP client of the agent API. */
export class Api {
  constructor(private readonly url: string) {}

  async call(
    method: string,
    path: string,
    bearer: string | undefined,
    body?: unknown,
  ): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  async putAgent(
    id: string,
    profile: { languages: string[]; skills: string[]; capacity: number; tier?: 'standard' | 'senior' },
    presence?: 'online' | 'away' | 'offline',
  ): Promise<void> {
    const admin = await token('admin-1', 'admin');
    const put = await this.call('PUT', `/v1/agents/${id}`, admin, { name: id, tier: 'standard', ...profile });
    if (put.status !== 200 && put.status !== 201)
      throw new Error(`PUT agent ${put.status} ${JSON.stringify(put.body)}`);
    if (presence) await this.presence(id, presence);
  }

  async presence(id: string, status: 'online' | 'away' | 'offline'): Promise<any> {
    const answer = await this.call('PUT', `/v1/agents/${id}/presence`, await token(id, 'agent'), { status });
    if (answer.status !== 200) throw new Error(`presence ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  async resolve(inquiryId: string, agentId: string): Promise<number> {
    return (await this.call('POST', `/v1/inquiries/${inquiryId}/resolve`, await token(agentId, 'agent')))
      .status;
  }
}

export function classified(
  overrides: Partial<PayloadOf<typeof Topic.InquiryClassified>> = {},
): EventEnvelope<typeof Topic.InquiryClassified> {
  const payload = classifiedPayload(overrides);
  return envelope(Topic.InquiryClassified, payload.inquiryId, payload);
}

export function envelope<T extends Topic>(
  topic: T,
  inquiryId: string,
  payload: PayloadOf<T>,
): EventEnvelope<T> {
  const [, type, version] = /^(.*)\.v(\d+)$/.exec(topic)!;
  return {
    id: randomUUID(),
    type: type,
    version: Number(version),
    occurredAt: new Date().toISOString(),
    inquiryId,
    correlationId: randomUUID(),
    causationId: null,
    payload,
  };
}

export class Events {
  private constructor(
    private readonly producer: Producer,
    private readonly prefix: string,
  ) {}

  static async connect(prefix: string): Promise<Events> {
    const producer = testKafka().producer();
    await producer.connect();
    return new Events(producer, prefix);
  }

  async send(topic: Topic, ...events: EventEnvelope[]): Promise<void> {
    await this.producer.send({
      topic: `${this.prefix}${topic}`,
      messages: events.map((event) => ({ key: event.inquiryId, value: JSON.stringify(event) })),
    });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

/** Reads a published topic of the run, parsed. */
export async function readTopic(
  prefix: string,
  topic: Topic,
): Promise<{ reader: TopicReader; events: () => EventEnvelope[] }> {
  const reader = await TopicReader.start([`${prefix}${topic}`]);
  return {
    reader,
    events: () => reader.messages.map((message) => JSON.parse(message.value!) as EventEnvelope),
  };
}

export async function sql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
  return withPg(async (client) => (await client.query(query, params)).rows as T[]);
}

export async function waitForRow<T = any>(
  query: string,
  params: unknown[],
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  return waitFor(
    async () => {
      const rows = await sql<T>(query, params);
      return rows.length > 0 && rows[0];
    },
    { what, timeoutMs },
  );
}

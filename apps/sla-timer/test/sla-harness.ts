import { JwtService } from '@nestjs/jwt';
import {
  type AgentRole,
  type EventEnvelope,
  parseTopic,
  type PayloadInputOf,
  type PayloadOf,
  Topic,
} from '@relaydesk/contracts';
import { KafkaEventServer } from '@relaydesk/messaging';
import { signAgentToken } from '@relaydesk/runtime';
import {
  classifiedPayload,
  type RunningService,
  startTestService,
  testKafka,
  TopicReader,
} from '@relaydesk/testing';
import type { Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { loadSlaTimerConfig, type SlaTimerConfig } from '../src/config';

export const SECRET = 'dev-agent-secret';

export const PRODUCED = [
  Topic.SlaDeadlinesSet,
  Topic.SlaWarning,
  Topic.SlaBreached,
  Topic.InquiryEscalated,
] as const;

export function slaConfig(env: Record<string, string>): SlaTimerConfig {
  return loadSlaTimerConfig({
    ...process.env,
    SLA_REDIS_WATCH_MS: '200',
    SLA_REARM_INTERVAL_SECONDS: '2',
    ...env,
  });
}

export function startSla(config: SlaTimerConfig): Promise<RunningService> {
  return startTestService(AppModule.forRoot(config), {
    config,
    openApi: { title: 'sla-timer', description: 'test', bearerAuth: true },
    transports: [KafkaEventServer],
  });
}

export function token(role: AgentRole, sub = `${role}-1`): Promise<string> {
  return signAgentToken(new JwtService({}), { sub, role }, SECRET);
}

/**
 * A document with seconds-long targets on a 24x7 calendar, so real-time tests see every transition.
 * Resolution = 2 x first response, warnings at 50 %.
 */
export function shortPolicy(
  firstResponseSeconds: Record<'urgent' | 'high' | 'normal' | 'low', number>,
  maxLevel = 2,
) {
  return {
    calendars: [{ id: '24x7', timezone: 'UTC', always: true }],
    policies: (['urgent', 'high', 'normal', 'low'] as const).map((priority) => ({
      priority,
      tier: 'standard',
      calendar: '24x7',
      firstResponseSeconds: firstResponseSeconds[priority],
      resolutionSeconds: firstResponseSeconds[priority] * 2,
      warnAtPercent: 50,
    })),
    escalation: { onWarning: ['urgent'], maxLevel },
  };
}

export async function putPolicy(
  url: string,
  document: unknown,
  role: AgentRole = 'admin',
): Promise<Response> {
  return fetch(`${url}/v1/sla/policies`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${await token(role)}`, 'content-type': 'application/json' },
    body: JSON.stringify(document),
  });
}

export function classified(
  inquiryId: string,
  priority: PayloadOf<typeof Topic.InquiryClassified>['priority'],
  classifiedAt: Date,
  extra: Partial<PayloadInputOf<typeof Topic.InquiryClassified>> = {},
): PayloadInputOf<typeof Topic.InquiryClassified> {
  return {
    ...classifiedPayload({
      inquiryId,
      priority,
      classifierVersion: 'test-1',
      confidence: { category: 0.9, priority: 0.9, language: 0.99 },
      channel: 'form',
      acceptedAt: classifiedAt.toISOString(),
      classifiedAt: classifiedAt.toISOString(),
    }),
    ...extra,
  };
}

/** Produces test events to the run's prefixed topics. */
export class EventSender {
  private constructor(
    private readonly producer: Producer,
    private readonly prefix: string,
  ) {}

  static async connect(prefix: string): Promise<EventSender> {
    const producer = testKafka().producer();
    await producer.connect();
    return new EventSender(producer, prefix);
  }

  async send<T extends Topic>(topic: T, payloads: PayloadInputOf<T>[]): Promise<void> {
    const { type, version } = parseTopic(topic);
    for (let i = 0; i < payloads.length; i += 500) {
      await this.producer.send({
        topic: `${this.prefix}${topic}`,
        messages: payloads.slice(i, i + 500).map((payload) => {
          const inquiryId = (payload as { inquiryId: string }).inquiryId;
          const envelope: EventEnvelope = {
            id: randomUUID(),
            type,
            version,
            occurredAt: new Date().toISOString(),
            inquiryId,
            correlationId: randomUUID(),
            causationId: null,
            payload: payload,
          };
          return { key: inquiryId, value: JSON.stringify(envelope) };
        }),
      });
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

export interface SeenEvent {
  topic: Topic;
  envelope: EventEnvelope;
}

/** What the service published, per inquiry. */
export class Published {
  private constructor(
    private readonly reader: TopicReader,
    private readonly prefix: string,
  ) {}

  static async start(prefix: string): Promise<Published> {
    return new Published(await TopicReader.start(PRODUCED.map((topic) => `${prefix}${topic}`)), prefix);
  }

  of(inquiryId: string, topic?: Topic): SeenEvent[] {
    return this.all(topic).filter((event) => event.envelope.inquiryId === inquiryId);
  }

  all(topic?: Topic): SeenEvent[] {
    return this.reader.messages
      .map((message) => ({
        topic: message.topic.slice(this.prefix.length) as Topic,
        envelope: JSON.parse(message.value ?? '{}') as EventEnvelope,
      }))
      .filter((event) => topic === undefined || event.topic === topic);
  }

  stop(): Promise<void> {
    return this.reader.stop();
  }
}

export function payloadOf<T extends Topic>(event: SeenEvent, _topic: T): PayloadOf<T> {
  return event.envelope.payload as PayloadOf<T>;
}

/** Hands classifications straight to the service (the consumer's own code path, without Kafka in between). */
export async function classifyDirectly(
  service: { onClassified(event: EventEnvelope<typeof Topic.InquiryClassified>): Promise<unknown> },
  payloads: PayloadInputOf<typeof Topic.InquiryClassified>[],
  concurrency = 16,
): Promise<void> {
  const { type, version } = parseTopic(Topic.InquiryClassified);
  let next = 0;
  const worker = async () => {
    while (next < payloads.length) {
      const payload = payloads[next++];
      await service.onClassified({
        id: randomUUID(),
        type,
        version,
        occurredAt: new Date().toISOString(),
        inquiryId: payload.inquiryId,
        correlationId: randomUUID(),
        causationId: null,
        payload: payload,
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

import { Topic } from '@relaydesk/contracts';
import { testKafka } from '@relaydesk/testing';
import type { Consumer } from 'kafkajs';
import { randomUUID } from 'node:crypto';

/** What the pipeline did with each inquiry, read from its topics as it happens. */
export interface InquiryTrace {
  acceptedAt?: number;
  classifiedAt?: number;
  assignedAt?: number;
  acknowledgedAt?: number;
  assignments: number;
  requeues: number;
  acknowledgements: number;
  deliveries: Map<string, number>;
  classification?: { category: string; priority: string; language: string; needsReview: boolean };
  agentId?: string;
  resolvedAt?: number;
}

const WATCHED = [
  Topic.InquiryClassified,
  Topic.InquiryAssigned,
  Topic.InquiryRequeued,
  Topic.InquiryResolved,
  Topic.NotificationSent,
];

export class PipelineObserver {
  readonly traces = new Map<string, InquiryTrace>();
  private consumer?: Consumer;

  constructor(private readonly prefix = process.env['KAFKA_TOPIC_PREFIX'] ?? '') {}

  trace(inquiryId: string): InquiryTrace {
    let trace = this.traces.get(inquiryId);
    if (!trace) {
      trace = { assignments: 0, requeues: 0, acknowledgements: 0, deliveries: new Map() };
      this.traces.set(inquiryId, trace);
    }
    return trace;
  }

  /** Resolves once the observer's consumer owns its partitions (reading from the end of each topic). */
  async start(): Promise<void> {
    const consumer = testKafka('relaydesk-observer').consumer({
      groupId: `observer-${randomUUID()}`,
      maxWaitTimeInMs: 50,
    });
    this.consumer = consumer;
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({
      topics: WATCHED.map((topic) => `${this.prefix}${topic}`),
      fromBeginning: false,
    });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const seenAt = Date.now();
        const envelope = JSON.parse(message.value?.toString() ?? '{}') as {
          id: string;
          inquiryId: string;
          payload: Record<string, unknown>;
        };
        const trace = this.traces.get(envelope.inquiryId);
        if (!trace) return; // not ours
        switch (topic.slice(this.prefix.length)) {
          case Topic.InquiryClassified:
            trace.classifiedAt ??= seenAt;
            trace.acceptedAt ??= Date.parse(String(envelope.payload['acceptedAt']));
            trace.classification = {
              category: String(envelope.payload['category']),
              priority: String(envelope.payload['priority']),
              language: String(envelope.payload['language']),
              needsReview: envelope.payload['needsReview'] === true,
            };
            break;
          case Topic.InquiryAssigned:
            trace.assignments++;
            trace.assignedAt ??= seenAt;
            trace.agentId = String(envelope.payload['agentId']);
            break;
          case Topic.InquiryResolved:
            trace.resolvedAt ??= seenAt;
            break;
          case Topic.InquiryRequeued:
            trace.requeues++;
            break;
          case Topic.NotificationSent: {
            const key = `${String(envelope.payload['recipient'])}:${String(envelope.payload['kind'])}`;
            trace.deliveries.set(key, (trace.deliveries.get(key) ?? 0) + 1);
            if (
              envelope.payload['kind'] === 'acknowledgement' &&
              envelope.payload['recipient'] === 'customer'
            ) {
              trace.acknowledgements++;
              trace.acknowledgedAt ??= seenAt;
            }
            break;
          }
          default:
            break;
        }
      },
    });
    await joined;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

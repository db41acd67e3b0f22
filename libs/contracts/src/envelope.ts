import { z } from 'zod';
import { type PayloadOf, type Topic, TopicSchemas } from './topics';

/** The one envelope of every event. */
export const envelopeSchema = z.object({
  id: z.uuid(),
  type: z.string().min(1),
  version: z.number().int().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
  inquiryId: z.uuid(),
  correlationId: z.string().min(1).max(200),
  causationId: z.string().min(1).max(200).nullable(),
  payload: z.unknown(),
});

export interface EventEnvelope<T extends Topic = Topic> {
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  inquiryId: string;
  correlationId: string;
  /** The id of the event (or request) that caused this one; null for a root event. */
  causationId: string | null;
  payload: PayloadOf<T>;
}

export class InvalidEventError extends Error {
  constructor(
    readonly topic: string,
    readonly issues: string[],
  ) {
    super(`invalid ${topic} event: ${issues.join('; ')}`);
    this.name = 'InvalidEventError';
  }
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

/** Validates an envelope and its payload against the topic's schema. Throws InvalidEventError. */
export function parseEnvelope<T extends Topic>(topic: T, raw: unknown): EventEnvelope<T> {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) throw new InvalidEventError(topic, describeIssues(envelope.error));
  const payload = TopicSchemas[topic].safeParse(envelope.data.payload);
  if (!payload.success)
    throw new InvalidEventError(
      topic,
      describeIssues(payload.error).map((i) => `payload.${i}`),
    );
  return { ...envelope.data, payload: payload.data as PayloadOf<T> };
}

/** Validates a payload a producer is about to publish; throws InvalidEventError. */
export function parsePayload<T extends Topic>(topic: T, raw: unknown): PayloadOf<T> {
  const payload = TopicSchemas[topic].safeParse(raw);
  if (!payload.success)
    throw new InvalidEventError(
      topic,
      describeIssues(payload.error).map((i) => `payload.${i}`),
    );
  return payload.data as PayloadOf<T>;
}

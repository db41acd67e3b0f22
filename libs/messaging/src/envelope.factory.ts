import {
  type EventEnvelope,
  parsePayload,
  parseTopic,
  type PayloadInputOf,
  type Topic,
} from '@relaydesk/contracts';
import { currentContext } from '@relaydesk/runtime';
import { randomUUID } from 'node:crypto';

export interface NewEvent<T extends Topic> {
  inquiryId: string;
  payload: PayloadInputOf<T>;
  /** Defaults to the running work's correlation id (the request or the event being handled). */
  correlationId?: string;
  /** Defaults to the id of the event being handled, if any. */
  causationId?: string | null;
  occurredAt?: Date;
}

/** Builds a validated envelope; an invalid payload is a bug in the producer and throws at once. */
export function createEnvelope<T extends Topic>(topic: T, event: NewEvent<T>): EventEnvelope<T> {
  const { type, version } = parseTopic(topic);
  const context = currentContext();
  return {
    id: randomUUID(),
    type,
    version,
    occurredAt: (event.occurredAt ?? new Date()).toISOString(),
    inquiryId: event.inquiryId,
    correlationId: event.correlationId ?? context?.correlationId ?? randomUUID(),
    causationId: event.causationId !== undefined ? event.causationId : (context?.eventId ?? null),
    payload: parsePayload(topic, event.payload),
  };
}

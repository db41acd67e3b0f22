/** Kafka header names carried by every relaydesk event, and those added on the way to a dead-letter topic. */
export const EventHeader = {
  EventId: 'event-id',
  EventType: 'event-type',
  CorrelationId: 'correlation-id',
  CausationId: 'causation-id',
  ContentType: 'content-type',
} as const;

export const DeadLetterHeader = {
  Error: 'dlq-error',
  OriginalTopic: 'dlq-original-topic',
  OriginalPartition: 'dlq-original-partition',
  OriginalOffset: 'dlq-original-offset',
  Attempts: 'dlq-attempts',
  ConsumerGroup: 'dlq-consumer-group',
  FailedAt: 'dlq-failed-at',
} as const;

export type KafkaHeaders = Record<string, string>;

/** kafkajs hands header values over as Buffers (or arrays of them); relaydesk's are single strings. */
export function decodeHeaders(
  raw: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined,
): KafkaHeaders {
  const headers: KafkaHeaders = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (value === undefined) continue;
    const single = Array.isArray(value) ? value[value.length - 1] : value;
    if (single !== undefined) headers[name] = single.toString();
  }
  return headers;
}

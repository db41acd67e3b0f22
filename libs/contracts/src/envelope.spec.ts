import { randomUUID } from 'node:crypto';
import { InvalidEventError, parseEnvelope, parsePayload } from './envelope';
import { ALL_TOPICS, deadLetterTopicOf, parseTopic, Topic, TopicSchemas } from './topics';

const inquiryId = randomUUID();
const envelope = (payload: unknown) => ({
  id: randomUUID(),
  type: 'inquiry.resolved',
  version: 1,
  occurredAt: '2026-11-25T10:00:00.000Z',
  inquiryId,
  correlationId: 'req-1',
  causationId: null,
  payload,
});

describe('the event contracts', () => {
  it('has a schema for every topic of the catalog, each named noun.past-verb.vN', () => {
    expect(Object.keys(TopicSchemas).sort()).toEqual([...ALL_TOPICS].sort());
    for (const topic of ALL_TOPICS) expect(topic).toMatch(/^[a-z]+\.[a-z-]+\.v\d+$/);
    expect(parseTopic(Topic.InquiryMessageAdded)).toEqual({ type: 'inquiry.message-added', version: 1 });
    expect(deadLetterTopicOf(Topic.InquiryReceived)).toBe('inquiry.received.v1.dlq');
  });

  it('accepts a valid envelope and types its payload', () => {
    const parsed = parseEnvelope(
      Topic.InquiryResolved,
      envelope({ inquiryId, resolvedBy: 'agent-7', resolvedAt: '2026-11-25T10:00:00Z' }),
    );
    expect(parsed.payload.resolvedBy).toBe('agent-7');
  });

  it('names every invalid field of the envelope and the payload', () => {
    const attempt = () =>
      parseEnvelope(Topic.InquiryResolved, { ...envelope({ inquiryId }), id: 'not-a-uuid' });
    expect(attempt).toThrow(InvalidEventError);
    expect(attempt).toThrow(/id: /);
    expect(() => parseEnvelope(Topic.InquiryResolved, envelope({ inquiryId }))).toThrow(
      /payload\.resolvedBy/,
    );
    expect(() => parseEnvelope(Topic.InquiryResolved, null)).toThrow(InvalidEventError);
  });

  it('applies defaults on the way in (a customer without a tier is standard)', () => {
    const payload = parsePayload(Topic.InquiryReceived, {
      inquiryId,
      messageId: randomUUID(),
      adapterId: 'demo',
      externalId: 'm-1',
      channel: 'email',
      customer: { email: 'a@example.com' },
      body: 'hello',
      receivedAt: '2026-11-25T10:00:00Z',
      acceptedAt: '2026-11-25T10:00:01Z',
    });
    expect(payload.customer.tier).toBe('standard');
    expect(() => parsePayload(Topic.InquiryReceived, { ...payload, channel: 'fax' })).toThrow(
      /payload\.channel/,
    );
  });
});

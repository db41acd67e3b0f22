import type { PayloadOf, Topic } from '@relaydesk/contracts';
import { randomUUID } from 'node:crypto';

/**
 * A valid `inquiry.classified.v1` payload for tests: an English trading question of normal priority,
 * classified now, with no entities or articles. Tests state only what matters to them.
 */
export function classifiedPayload(
  overrides: Partial<PayloadOf<typeof Topic.InquiryClassified>> = {},
): PayloadOf<typeof Topic.InquiryClassified> {
  const now = new Date().toISOString();
  return {
    inquiryId: randomUUID(),
    classifierVersion: 'test',
    category: 'trading',
    priority: 'normal',
    language: 'en',
    confidence: { category: 0.9, priority: 0.9, language: 0.9 },
    needsReview: false,
    entities: {
      txHashes: [],
      addresses: [],
      assets: [],
      networks: [],
      amounts: [],
      orderIds: [],
      withdrawalIds: [],
    },
    suggestedArticles: [],
    channel: 'email',
    customerTier: 'standard',
    acceptedAt: now,
    reclassification: false,
    classifiedAt: now,
    ...overrides,
  };
}

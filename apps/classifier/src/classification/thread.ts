import type { Classification, Classifier, ClassifierInput } from '@relaydesk/classification';
import type { CustomerTier, PayloadInputOf, Topic } from '@relaydesk/contracts';

export interface ThreadMessage {
  kind: 'initial' | 'follow_up';
  subject: string | null;
  body: string;
}

/** What inquiry.received told us; the classified event repeats it for routing and SLA. */
export interface InquiryFacts {
  inquiryId: string;
  channel: PayloadInputOf<typeof Topic.InquiryClassified>['channel'];
  customerTier: CustomerTier;
  acceptedAt: string;
}

/**
 * The whole conversation as one text: the original message first, then the follow-ups in the order
 * intake accepted them. The subject is the original's (a follow-up's "Re: ..." adds nothing).
 */
export function threadInput(messages: readonly ThreadMessage[]): ClassifierInput {
  const initial = messages.find((message) => message.kind === 'initial');
  const subject = initial?.subject ?? messages.find((message) => message.subject)?.subject ?? undefined;
  return { subject: subject ?? undefined, body: messages.map((message) => message.body).join('\n\n') };
}

/**
 * First classification of an inquiry. Follow-ups that overtook inquiry.received are already in the
 * thread: the original is classified alone, then the thread with the follow-up rule, so the result is
 * what it would have been had the events arrived in order.
 */
export function classifyNew(classifier: Classifier, messages: readonly ThreadMessage[]): Classification {
  const initial = messages.filter((message) => message.kind === 'initial');
  const first = classifier.classify(threadInput(initial));
  return initial.length === messages.length
    ? first
    : classifier.classifyFollowUp(first, threadInput(messages));
}

/** A follow-up re-classifies the whole thread; priority may rise but never falls (the lib's rule). */
export function reclassify(
  classifier: Classifier,
  previous: Classification,
  messages: readonly ThreadMessage[],
): Classification {
  return classifier.classifyFollowUp(previous, threadInput(messages));
}

export function classifiedPayload(
  facts: InquiryFacts,
  result: Classification,
  options: { version: string; classifiedAt: Date; previous?: Classification },
): PayloadInputOf<typeof Topic.InquiryClassified> {
  return {
    inquiryId: facts.inquiryId,
    classifierVersion: options.version,
    category: result.category,
    priority: result.priority,
    language: result.language,
    confidence: result.confidence,
    needsReview: result.needsReview,
    entities: result.entities,
    suggestedArticles: result.suggestedArticles.slice(0, 3),
    channel: facts.channel,
    customerTier: facts.customerTier,
    acceptedAt: facts.acceptedAt,
    reclassification: options.previous !== undefined,
    ...(options.previous ? { previousPriority: options.previous.priority } : {}),
    classifiedAt: options.classifiedAt.toISOString(),
  };
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { InquiryInput } from './pipeline';

export interface LabelledInquiry {
  id: string;
  channel?: InquiryInput['channel'];
  language: string;
  subject: string;
  body: string;
  category: string;
  priority: string;
}

const CHANNELS: InquiryInput['channel'][] = ['form', 'email', 'social', 'chat'];

/**
 * The labelled development inquiries: `../shared/data/inquiries-dev.jsonl` beside the repository when it is
 * there, else the copy the classification lib ships.
 */
export function loadLabelledInquiries(root: string): LabelledInquiry[] {
  const shared = path.resolve(root, '../shared/data/inquiries-dev.jsonl');
  try {
    return readFileSync(shared, 'utf8')
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .map((line) => JSON.parse(line) as LabelledInquiry);
  } catch {
    const shipped = path.join(root, 'libs/classification/src/model/training-set.json');
    return JSON.parse(readFileSync(shipped, 'utf8')) as LabelledInquiry[];
  }
}

/** The n-th inquiry of a run, as its channel adapter would post it. */
export function toInquiry(sample: LabelledInquiry, runId: string, index: number): InquiryInput {
  const channel = sample.channel ?? CHANNELS[index % CHANNELS.length];
  const customerId = `${runId}-customer-${index}`;
  return {
    channel,
    externalId: `${runId}-${index}`,
    customer: {
      id: customerId,
      ...(channel === 'email' ? { email: `customer${index}@example.com` } : { handle: `@customer${index}` }),
      name: `Customer ${index}`,
      tier: index % 10 === 0 ? 'vip' : 'standard',
      locale: sample.language,
    },
    ...(sample.subject ? { subject: sample.subject } : {}),
    body: sample.body,
  };
}

import { createClassifier } from '@relaydesk/classification';
import { inquiryClassifiedSchema } from '@relaydesk/contracts';
import { classifiedPayload, classifyNew, reclassify, type ThreadMessage, threadInput } from './thread';

const classifier = createClassifier();
const facts = {
  inquiryId: '6f1c1b8e-2f6e-4a53-9d0e-1a2b3c4d5e6f',
  channel: 'chat' as const,
  customerTier: 'standard' as const,
  acceptedAt: '2026-11-25T10:00:00.000Z',
};
const pending: ThreadMessage = {
  kind: 'initial',
  subject: 'Withdrawal stuck',
  body: 'My withdrawal of 250 USDT has been pending for 6 hours, withdrawal id WD-88812345.',
};
const hacked: ThreadMessage = {
  kind: 'follow_up',
  subject: 'Re: Withdrawal stuck',
  body: 'Update: I just saw a second withdrawal I did not make. Someone withdrew 1 ETH from my account!',
};
const thanks: ThreadMessage = { kind: 'follow_up', subject: null, body: 'Thanks, no rush, have a nice day.' };

describe('thread classification', () => {
  it('reads the original first, then follow-ups, under the original subject', () => {
    expect(threadInput([pending, hacked])).toEqual({
      subject: 'Withdrawal stuck',
      body: `${pending.body}\n\n${hacked.body}`,
    });
  });

  it('raises the priority when a follow-up reports an unauthorized withdrawal', () => {
    const first = classifyNew(classifier, [pending]);
    expect([first.category, first.priority]).toEqual(['deposit_withdrawal', 'high']);
    const again = reclassify(classifier, first, [pending, hacked]);
    expect([again.category, again.priority]).toEqual(['security', 'urgent']);
  });

  it('never lowers the priority on a calming follow-up', () => {
    const first = classifyNew(classifier, [pending, hacked]);
    expect(first.priority).toBe('urgent');
    expect(reclassify(classifier, first, [pending, hacked, thanks]).priority).toBe('urgent');
  });

  it('classifies follow-ups that came before the original as if they had come after it', () => {
    const inOrder = reclassify(classifier, classifyNew(classifier, [pending]), [pending, hacked]);
    expect(classifyNew(classifier, [pending, hacked])).toEqual(inOrder);
  });

  it('builds a payload the contract accepts, with previousPriority only on a re-classification', () => {
    const first = classifyNew(classifier, [pending]);
    const classifiedAt = new Date('2026-11-25T10:00:01.000Z');
    const initial = classifiedPayload(facts, first, { version: classifier.version, classifiedAt });
    expect(inquiryClassifiedSchema.parse(initial)).toMatchObject({
      reclassification: false,
      classifierVersion: classifier.version,
      classifiedAt: '2026-11-25T10:00:01.000Z',
      channel: 'chat',
      customerTier: 'standard',
    });
    expect('previousPriority' in initial).toBe(false);
    const again = reclassify(classifier, first, [pending, hacked]);
    const followUp = classifiedPayload(facts, again, {
      version: classifier.version,
      classifiedAt,
      previous: first,
    });
    expect(inquiryClassifiedSchema.parse(followUp)).toMatchObject({
      reclassification: true,
      previousPriority: 'high',
      priority: 'urgent',
    });
  });
});

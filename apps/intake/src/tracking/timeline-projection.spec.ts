import { type EventEnvelope, InquiryStatus, Topic } from '@relaydesk/contracts';
import { nextStatus, project, type TimelineEvent } from './timeline-projection';

const inquiryId = '0b5c7d0e-3f55-4c43-9a4e-5d0e1f5e6a01';

function envelope<T extends Topic>(topic: T, payload: EventEnvelope<T>['payload']): TimelineEvent {
  const type = topic.replace(/\.v\d+$/, '');
  return {
    topic,
    event: {
      id: '6f1d2c3b-8e4f-4a5b-9c6d-7e8f9a0b1c2d',
      type,
      version: 1,
      occurredAt: '2026-03-01T12:00:00.000Z',
      inquiryId,
      correlationId: 'c',
      causationId: null,
      payload,
    },
  } as TimelineEvent;
}

const at = (time: string) => new Date(`2026-03-01T${time}Z`);

describe('timeline projection', () => {
  it('turns an assignment into a bare entry: no agent id, no pool, no personal data', () => {
    const projected = project(
      envelope(Topic.InquiryAssigned, {
        inquiryId,
        agentId: 'agent-yuki',
        category: 'deposit_withdrawal',
        priority: 'high',
        language: 'ja',
        pool: 'senior-ja',
        translationNeeded: false,
        assignedAt: '2026-03-01T12:05:00.000Z',
      }),
    );
    expect(projected).toEqual({
      entry: { type: 'inquiry.assigned', at: '2026-03-01T12:05:00.000Z' },
      status: { to: 'assigned', when: 'newer' },
      fields: { priority: 'high' },
    });
    expect(JSON.stringify(projected)).not.toMatch(/agent-yuki|senior-ja/);
  });

  it('keeps the reply text of a response out of the projection', () => {
    const projected = project(
      envelope(Topic.InquiryResponded, {
        inquiryId,
        replyId: '6f1d2c3b-8e4f-4a5b-9c6d-7e8f9a0b1c2e',
        agentId: 'agent-yuki',
        body: 'internal: customer is on the watch list',
        firstResponse: true,
        respondedAt: '2026-03-01T12:10:00.000Z',
      }),
    );
    expect(JSON.stringify(projected)).not.toMatch(/watch list|agent-yuki/);
    expect(projected.status?.to).toBe(InquiryStatus.AwaitingCustomer);
  });

  it('takes the classification and the SLA due times as fields', () => {
    const deadlines = project(
      envelope(Topic.SlaDeadlinesSet, {
        inquiryId,
        priority: 'urgent',
        policy: 'urgent/vip',
        firstResponseDueAt: '2026-03-01T12:15:00.000Z',
        resolutionDueAt: '2026-03-01T16:00:00.000Z',
        clocks: [],
        setAt: '2026-03-01T12:00:01.000Z',
      }),
    );
    expect(deadlines.fields).toEqual({
      priority: 'urgent',
      firstResponseDueAt: '2026-03-01T12:15:00.000Z',
      resolutionDueAt: '2026-03-01T16:00:00.000Z',
    });
    expect(deadlines.status).toBeUndefined();
  });

  describe('status', () => {
    const received = { status: InquiryStatus.Received, at: at('12:00:00') };

    it('follows the life of an inquiry', () => {
      let current = nextStatus(
        received,
        { to: 'classified', when: { onlyFrom: ['received'] } },
        at('12:00:01'),
      );
      expect(current.status).toBe('classified');
      current = nextStatus(current, { to: 'assigned', when: 'newer' }, at('12:01:00'));
      current = nextStatus(current, { to: 'awaiting_customer', when: 'newer' }, at('12:05:00'));
      expect(current.status).toBe('awaiting_customer');
      current = nextStatus(
        current,
        { to: 'assigned', when: { onlyFrom: ['awaiting_customer'] } },
        at('12:06:00'),
      );
      expect(current.status).toBe('assigned');
      current = nextStatus(current, { to: 'resolved', when: 'newer' }, at('12:30:00'));
      expect(current).toEqual({ status: 'resolved', at: at('12:30:00') });
    });

    it('ignores a classification that arrives after the assignment', () => {
      const assigned = nextStatus(received, { to: 'assigned', when: 'newer' }, at('12:01:00'));
      expect(
        nextStatus(assigned, { to: 'classified', when: { onlyFrom: ['received'] } }, at('12:00:01')),
      ).toBe(assigned);
    });

    it('ignores an older status change delivered late, and never reopens a resolved inquiry', () => {
      const responded = nextStatus(received, { to: 'awaiting_customer', when: 'newer' }, at('12:05:00'));
      expect(nextStatus(responded, { to: 'assigned', when: 'newer' }, at('12:01:00')).status).toBe(
        'awaiting_customer',
      );
      const resolved = nextStatus(responded, { to: 'resolved', when: 'newer' }, at('12:30:00'));
      expect(nextStatus(resolved, { to: 'assigned', when: 'newer' }, at('13:00:00')).status).toBe('resolved');
    });
  });
});

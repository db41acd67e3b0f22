import { customerKey, decideThread } from './threading';

describe('threads', () => {
  it('identifies the customer per adapter by id, else email (any case), else handle', () => {
    expect(customerKey('chat', { id: 'u1', email: 'A@x.io', tier: 'standard' })).toBe(
      customerKey('chat', { id: 'u1', tier: 'standard' }),
    );
    expect(customerKey('chat', { id: 'u1', tier: 'standard' })).not.toBe(
      customerKey('form', { id: 'u1', tier: 'standard' }),
    );
    expect(customerKey('mail', { email: 'Kana@Example.com', tier: 'standard' })).toBe(
      customerKey('mail', { email: 'kana@example.com', tier: 'standard' }),
    );
    expect(customerKey('x', { handle: '@a', tier: 'standard' })).not.toBe(
      customerKey('x', { id: '@a', tier: 'standard' }),
    );
    expect(customerKey('x', { name: 'Nobody', tier: 'standard' })).toBeUndefined();
  });

  it('adds to an open inquiry, links a new one to a resolved one, opens one otherwise', () => {
    expect(decideThread(undefined)).toEqual({ kind: 'open_new' });
    for (const status of ['received', 'classified', 'assigned', 'awaiting_customer'] as const) {
      expect(decideThread({ id: 'i1', status })).toEqual({ kind: 'add_to', inquiry: { id: 'i1', status } });
    }
    expect(decideThread({ id: 'i1', status: 'resolved' })).toEqual({
      kind: 'open_linked',
      previousInquiryId: 'i1',
    });
  });
});

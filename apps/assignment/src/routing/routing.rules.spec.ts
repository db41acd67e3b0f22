import {
  matchAgent,
  planAssignments,
  poolOf,
  rankWithinPriority,
  type RoutableAgent,
  type RoutableInquiry,
} from './routing.rules';

const agent = (id: string, overrides: Partial<RoutableAgent> = {}): RoutableAgent => ({
  id,
  languages: ['en'],
  skills: ['trading'],
  capacity: 2,
  tier: 'standard',
  presence: 'online',
  load: 0,
  lastAssignedAt: null,
  ...overrides,
});

const inquiry = (id: string, overrides: Partial<RoutableInquiry> = {}): RoutableInquiry => ({
  id,
  category: 'trading',
  priority: 'normal',
  language: 'en',
  needsReview: false,
  requiresSenior: false,
  customerTier: 'standard',
  ahead: false,
  languageFallback: false,
  ...overrides,
});

describe('routing rules', () => {
  it('ranks requeued before VIP before standard within a priority', () => {
    expect(rankWithinPriority({ ahead: true, customerTier: 'standard' })).toBeLessThan(
      rankWithinPriority({ ahead: false, customerTier: 'vip' }),
    );
    expect(rankWithinPriority({ ahead: false, customerTier: 'vip' })).toBeLessThan(
      rankWithinPriority({ ahead: false, customerTier: 'standard' }),
    );
  });

  it('needs online, the skill (triage when unsure), the language, senior tier when required, and free capacity', () => {
    const base = inquiry('i');
    expect(matchAgent(agent('a'), base, 'en')).toEqual({ eligible: true, translationNeeded: false });
    expect(matchAgent(agent('a', { presence: 'away' }), base, 'en').eligible).toBe(false);
    expect(matchAgent(agent('a', { load: 2 }), base, 'en').eligible).toBe(false);
    expect(matchAgent(agent('a', { skills: ['security'] }), base, 'en').eligible).toBe(false);
    expect(matchAgent(agent('a'), inquiry('i', { needsReview: true }), 'en').eligible).toBe(false);
    expect(
      matchAgent(agent('a', { skills: ['triage'] }), inquiry('i', { needsReview: true }), 'en').eligible,
    ).toBe(true);
    expect(matchAgent(agent('a'), inquiry('i', { requiresSenior: true }), 'en').eligible).toBe(false);
    expect(
      matchAgent(agent('a', { tier: 'senior' }), inquiry('i', { requiresSenior: true }), 'en').eligible,
    ).toBe(true);
    expect(matchAgent(agent('a'), inquiry('i', { language: 'ja' }), 'en').eligible).toBe(false);
    expect(matchAgent(agent('a'), inquiry('i', { language: 'ja', languageFallback: true }), 'en')).toEqual({
      eligible: true,
      translationNeeded: true,
    });
  });

  it('names pools by skill and language, senior first', () => {
    expect(poolOf(inquiry('i', { language: 'ja' }))).toBe('trading.ja');
    expect(poolOf(inquiry('i', { needsReview: true }))).toBe('triage.en');
    expect(poolOf(inquiry('i', { requiresSenior: true, category: 'security' }))).toBe('senior.security.en');
  });

  it('plans in the given order, never over capacity, and an unservable head does not block the rest', () => {
    const plan = planAssignments(
      [inquiry('ja', { language: 'ja' }), inquiry('1'), inquiry('2'), inquiry('3'), inquiry('4')],
      [agent('a', { capacity: 1 }), agent('b', { capacity: 2 })],
      'en',
    );
    expect(plan.map((item) => item.inquiryId)).toEqual(['1', '2', '3']);
    const perAgent = new Map<string, number>();
    for (const item of plan) perAgent.set(item.agentId, (perAgent.get(item.agentId) ?? 0) + 1);
    expect(perAgent.get('a')).toBe(1);
    expect(perAgent.get('b')).toBe(2);
  });

  it('prefers a native speaker over a fallback speaker, then the least loaded agent', () => {
    const plan = planAssignments(
      [inquiry('ja', { language: 'ja', languageFallback: true }), inquiry('en')],
      [
        agent('en-only', { capacity: 5 }),
        agent('ja-busy', { languages: ['ja', 'en'], capacity: 5, load: 4 }),
      ],
      'en',
    );
    expect(plan).toEqual([
      { inquiryId: 'ja', agentId: 'ja-busy', pool: 'trading.ja', translationNeeded: false },
      { inquiryId: 'en', agentId: 'en-only', pool: 'trading.en', translationNeeded: false },
    ]);
  });

  it('leaves alone agents who are offline even when they appear with capacity', () => {
    expect(planAssignments([inquiry('1')], [agent('a', { presence: 'offline' })], 'en')).toEqual([]);
  });
});

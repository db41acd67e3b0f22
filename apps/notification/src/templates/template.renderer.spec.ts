import { TemplateRenderer, chooseLanguage, KINDS, LANGUAGES, loadStrings } from './template.renderer';

describe('TemplateRenderer', () => {
  const renderer = new TemplateRenderer();
  const ack = {
    ref: 'AB12CD34',
    name: 'Yamada',
    trackingUrl: 'https://status.example.com/inquiries/x?token=abc',
    firstResponseDueAt: '2026-03-02T09:15:00.000Z',
    articles: [{ title: 'How deposits are credited', url: 'https://help.example.com/a/1' }],
  };

  it('has every English string in all twelve languages, with the same placeholders', () => {
    const english = loadStrings('en');
    expect(LANGUAGES).toHaveLength(12);
    for (const language of LANGUAGES) {
      const strings = loadStrings(language);
      for (const [key, value] of english) {
        expect([language, key, strings.has(key)]).toEqual([language, key, true]);
        const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        expect([language, key, placeholders(strings.get(key)!)]).toEqual([
          language,
          key,
          placeholders(value),
        ]);
      }
    }
  });

  it('renders every kind for its audiences in every language', () => {
    const customerKinds = ['acknowledgement', 'assigned', 'reply', 'resolved', 'sla_breach'];
    const staffKinds = ['assigned', 'sla_warning', 'sla_breach', 'escalated'];
    const variables = {
      ...ack,
      body: 'Your withdrawal was credited.',
      agentId: 'a-1',
      category: 'trading',
      priority: 'high',
      language: 'ja',
      clock: 'first_response',
      dueAt: '2026-03-02T09:15:00.000Z',
      escalationLevel: 1,
      level: 1,
      reason: 'sla_breach',
      previousPriority: 'normal',
    };
    for (const language of LANGUAGES) {
      for (const kind of KINDS) {
        if (customerKinds.includes(kind)) {
          const message = renderer.render(kind, 'customer', language, variables);
          expect(message.subject).toContain('AB12CD34');
          expect(message.text).not.toMatch(/\{\w+\}/);
        }
        if (staffKinds.includes(kind)) {
          const message = renderer.render(kind, 'staff', language, variables);
          expect(message.subject).toContain('AB12CD34');
          expect(message.text).not.toMatch(/\{\w+\}/);
        }
      }
    }
  });

  it('writes a Japanese acknowledgement with the due time, the tracking link and the articles', () => {
    const message = renderer.render('acknowledgement', 'customer', 'ja', ack);
    expect(message.language).toBe('ja');
    expect(message.subject).toBe('お問い合わせを受け付けました [AB12CD34]');
    expect(message.text).toContain('Yamada 様');
    expect(message.text).toContain('2026年3月2日 9:15 UTC までに最初のご回答をお送りします。');
    expect(message.text).toContain('https://status.example.com/inquiries/x?token=abc');
    expect(message.text).toContain('- How deposits are credited: https://help.example.com/a/1');
    expect(message.html).toContain('<a href="https://help.example.com/a/1">How deposits are credited</a>');
    expect(message.html).toContain('<html lang="ja">');
  });

  it('falls back to English for a language without a translation', () => {
    const message = renderer.render('resolved', 'customer', 'sw', { ref: 'AB12CD34' });
    expect(message.language).toBe('en');
    expect(message.subject).toBe('Your inquiry has been resolved [AB12CD34]');
    expect(message.text.startsWith('Hello,\n')).toBe(true);
  });

  it('escapes customer and agent text in HTML and keeps it verbatim in text', () => {
    const body = '<script>alert("x")</script>\nsecond line & more';
    const message = renderer.render('reply', 'customer', 'en', {
      ref: 'AB12CD34',
      name: '<img src=x onerror=alert(1)>',
      body,
    });
    expect(message.html).not.toContain('<script>');
    expect(message.html).not.toContain('<img');
    expect(message.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>');
    expect(message.html).toContain('Hello &lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;,');
    expect(message.text).toContain(body);
  });

  it('never links to a non-http URL', () => {
    const message = renderer.render('acknowledgement', 'customer', 'en', {
      ...ack,
      articles: [{ title: 'x', url: 'javascript:alert(1)' }],
    });
    expect(message.html).not.toContain('javascript:');
    expect(message.html).toContain('<a href="#">x</a>');
  });

  it('refuses an audience a kind has no message for', () => {
    expect(() => renderer.render('escalated', 'customer', 'en', { ref: 'x' })).toThrow();
  });
});

describe('chooseLanguage', () => {
  it('prefers the classified language, then the locale, then English', () => {
    expect(chooseLanguage('ja', 'en-US')).toBe('ja');
    expect(chooseLanguage('sw', 'pt-BR')).toBe('pt');
    expect(chooseLanguage('sw', 'zh_Hant_TW')).toBe('zh');
    expect(chooseLanguage(undefined, 'sw-KE')).toBe('en');
    expect(chooseLanguage(null, null)).toBe('en');
  });
});

import { AdapterSignatureVerifier, signAdapterRequest } from './adapter-signature';

const NOW = new Date('2026-03-01T12:00:00Z');
const nowSeconds = NOW.getTime() / 1000;
const verifier = new AdapterSignatureVerifier(
  new Map([
    ['demo', 'demo-secret'],
    ['other', 'other-secret'],
  ]),
  () => NOW,
);

function headers(body: string, overrides: Record<string, string | undefined> = {}, secret = 'demo-secret') {
  const timestamp = overrides['x-relaydesk-timestamp'] ?? String(nowSeconds);
  return {
    'x-relaydesk-adapter': 'demo',
    'x-relaydesk-timestamp': timestamp,
    'x-relaydesk-signature': signAdapterRequest(secret, timestamp, body),
    ...overrides,
  };
}

describe('AdapterSignatureVerifier', () => {
  const body = '{"channel":"chat","body":"こんにちは 👋 <b>hi</b>"}';

  it('accepts a correct signature over the exact bytes and names the adapter', () => {
    expect(verifier.verify(headers(body), Buffer.from(body))).toEqual({ ok: true, adapterId: 'demo' });
  });

  it('refuses a body changed by one byte (e.g. re-serialised JSON)', () => {
    expect(verifier.verify(headers(body), Buffer.from(body.replace(':', ': ')))).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses the signature made with another adapter secret', () => {
    expect(verifier.verify(headers(body, {}, 'other-secret'), Buffer.from(body))).toMatchObject({
      reason: 'bad_signature',
    });
  });

  it('refuses missing headers, unknown adapters and malformed signatures', () => {
    const raw = Buffer.from(body);
    expect(verifier.verify({}, raw)).toMatchObject({ reason: 'missing_headers' });
    expect(verifier.verify(headers(body, { 'x-relaydesk-signature': undefined }), raw)).toMatchObject({
      reason: 'missing_headers',
    });
    expect(verifier.verify(headers(body, { 'x-relaydesk-adapter': 'ghost' }), raw)).toMatchObject({
      reason: 'unknown_adapter',
    });
    expect(verifier.verify(headers(body, { 'x-relaydesk-signature': 'sha256=00' }), raw)).toMatchObject({
      reason: 'bad_signature',
    });
    expect(verifier.verify(headers(body, { 'x-relaydesk-timestamp': '12.5' }), raw)).toMatchObject({
      reason: 'malformed_timestamp',
    });
  });

  it('accepts timestamps up to 300 s away from now and refuses older or newer ones', () => {
    const raw = Buffer.from(body);
    for (const offset of [-300, 0, 300]) {
      const check = verifier.verify(
        headers(body, { 'x-relaydesk-timestamp': String(nowSeconds + offset) }),
        raw,
      );
      expect(check.ok).toBe(true);
    }
    for (const offset of [-301, 301, -86_400]) {
      const check = verifier.verify(
        headers(body, { 'x-relaydesk-timestamp': String(nowSeconds + offset) }),
        raw,
      );
      expect(check).toEqual({ ok: false, reason: 'stale_timestamp' });
    }
  });
});

import { seal, unseal } from './sealing';

describe('sealing', () => {
  it('opens what it sealed with the same secret, and nothing else', () => {
    const sealed = seal('tok_abc', 'shared-secret');
    expect(sealed).not.toContain('tok_abc');
    expect(unseal(sealed, 'shared-secret')).toBe('tok_abc');
    expect(() => unseal(sealed, 'another-secret')).toThrow();
    const tampered = Buffer.from(sealed, 'base64url');
    tampered[tampered.length - 1] ^= 1;
    expect(() => unseal(tampered.toString('base64url'), 'shared-secret')).toThrow();
  });

  it('never seals the same value to the same text twice', () => {
    expect(seal('x', 's')).not.toBe(seal('x', 's'));
  });
});

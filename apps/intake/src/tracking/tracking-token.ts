import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits, URL-safe: what the customer's tracking link carries. */
export function newTrackingToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Only this hash is compared at rest; the token itself is kept sealed (see README) for duplicate answers. */
export function hashTrackingToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function trackingTokenMatches(token: string, storedHash: Buffer): boolean {
  const given = hashTrackingToken(token);
  return given.length === storedHash.length && timingSafeEqual(given, storedHash);
}

/** The token of `Authorization: Bearer <token>`; undefined when the header is missing or not a bearer. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]{1,512})\s*$/i.exec(header ?? '');
  return match?.[1];
}

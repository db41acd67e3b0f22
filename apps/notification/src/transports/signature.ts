import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The adapter signature of API.md: `sha256=` + hex HMAC-SHA256 of `${timestamp}.${rawBody}`. Outbound
 * callbacks are signed exactly like inbound adapter requests, so an adapter checks both with one function.
 */
export function signBody(secret: string, timestamp: number, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

export function verifySignature(
  secret: string,
  timestamp: string,
  rawBody: string,
  signature: string,
): boolean {
  const expected = Buffer.from(signBody(secret, Number(timestamp), rawBody));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

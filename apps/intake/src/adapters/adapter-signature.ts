import { createHmac, timingSafeEqual } from 'node:crypto';

/** The contract's replay window: a timestamp further than this from now is refused. */
export const SIGNATURE_WINDOW_SECONDS = 300;

export const AdapterHeader = {
  Adapter: 'x-relaydesk-adapter',
  Timestamp: 'x-relaydesk-timestamp',
  Signature: 'x-relaydesk-signature',
} as const;

export type SignatureFailure =
  'missing_headers' | 'unknown_adapter' | 'malformed_timestamp' | 'stale_timestamp' | 'bad_signature';

export type SignatureCheck = { ok: true; adapterId: string } | { ok: false; reason: SignatureFailure };

/** `sha256=` + hex HMAC-SHA256 of `${timestamp}.${rawBody}`: what adapters send and what intake checks. */
export function signAdapterRequest(
  secret: string,
  timestamp: number | string,
  rawBody: Buffer | string,
): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

/**
 * Verifies an adapter's signature over the exact bytes received. Every failure is the same 401 to
 * the caller; the reason is only for logs and metrics.
 */
export class AdapterSignatureVerifier {
  constructor(
    private readonly secrets: ReadonlyMap<string, string>,
    private readonly now: () => Date,
  ) {}

  verify(
    headers: Partial<Record<string, string | string[] | undefined>>,
    rawBody: Buffer | undefined,
  ): SignatureCheck {
    const adapterId = single(headers[AdapterHeader.Adapter]);
    const timestamp = single(headers[AdapterHeader.Timestamp]);
    const signature = single(headers[AdapterHeader.Signature]);
    if (!adapterId || !timestamp || !signature) return { ok: false, reason: 'missing_headers' };
    const secret = this.secrets.get(adapterId);
    if (secret === undefined) return { ok: false, reason: 'unknown_adapter' };
    if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed_timestamp' };
    const skew = Math.abs(this.now().getTime() / 1000 - Number(timestamp));
    if (skew > SIGNATURE_WINDOW_SECONDS) return { ok: false, reason: 'stale_timestamp' };
    const expected = Buffer.from(signAdapterRequest(secret, timestamp, rawBody ?? Buffer.alloc(0)));
    const given = Buffer.from(signature);
    // timingSafeEqual needs equal lengths; the length of a well-formed signature is public anyway.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, reason: 'bad_signature' };
    }
    return { ok: true, adapterId };
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}

import { InvalidEventError } from '@relaydesk/contracts';

/** An error that retrying cannot fix (a bad message, a broken invariant): straight to the dead-letter topic. */
export class NonRetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

export function isRetryable(error: unknown): boolean {
  return !(error instanceof NonRetryableError || error instanceof InvalidEventError);
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === 'object' && error !== null) return JSON.stringify(error);
  return String(error);
}

/** Injected wherever time matters (the signature window, acceptance times), so tests move time. */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = { now: () => new Date() };

/** The classification lib's classifier, built once at start (see classification.module.ts). */
export const CLASSIFIER = Symbol('CLASSIFIER');

export interface Clock {
  now(): Date;
}
export const CLOCK = Symbol('CLOCK');

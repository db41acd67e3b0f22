import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabelledInquiry } from '../classifier';
import devSet from './training-set.json';

export interface ShippedExample extends LabelledInquiry {
  id: string;
}

// The rubric probes are kept as JSONL, one line per probe, because they are also the eval CLI's input;
// the build copies the file next to the compiled code. Read once, when the first classifier is built.
const PROBES = join(__dirname, '..', 'eval', 'rubric-probes.jsonl');

let cached: readonly ShippedExample[] | undefined;

/**
 * Every labelled line the lib ships, which the n-gram model learns from: the dev file (168 lines) and
 * the rubric probes written for this lib (each batch scored once, unseen, before it joined the set).
 */
export function shippedTrainingSet(): readonly ShippedExample[] {
  cached ??= [
    ...(devSet as ShippedExample[]),
    ...readFileSync(PROBES, 'utf8')
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as ShippedExample),
  ];
  return cached;
}

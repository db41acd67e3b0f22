import { isNumberUnit, isWordUnit } from './chars';

/**
 * The character 1- to 3-grams of a text, as the linear model reads them. Character n-grams need no
 * tokenizer, so one model covers Japanese, Chinese and Korean as well as the Latin and Cyrillic
 * languages.
 *
 * A gram is never a string: each is a 32-bit FNV-1a hash of its code units, computed incrementally for
 * the grams starting at each position, and the distinct grams of a text are collected in a reused
 * open-addressing table (substrings counted in a Map<string, ...> cost ~0.4 ms a text).
 */

// Single characters too: one han, kana or hangul character is often a whole word (币, 款, 출). Up to 3
// (1.14.0): as good as up to 4 on every comparison, with less than half the vocabulary.
const MAX_GRAM = 3;
const MAX_CHARS = 2000; // long bodies are quoted threads; the head carries the topic
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;
const SPACE = 32;
const ZERO = 48;

/** Open-addressing set of 32-bit keys, kept in insertion order; clear() costs nothing. */
export class GramTable {
  private keys: Int32Array;
  private stamps: Uint32Array; // a slot is filled when its stamp is the current generation
  private order: Int32Array; // the keys in insertion order
  private generation = 1;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(16, capacity * 2)));
    this.keys = new Int32Array(slots);
    this.stamps = new Uint32Array(slots);
    this.order = new Int32Array(slots / 2);
    this.mask = slots - 1;
  }

  /** Adds the key if absent. */
  add(key: number): void {
    if ((this.size + 1) * 2 > this.stamps.length) this.grow();
    for (let slot = mix(key) & this.mask; ; slot = (slot + 1) & this.mask) {
      if (this.stamps[slot] !== this.generation) {
        this.stamps[slot] = this.generation;
        this.keys[slot] = key;
        this.order[this.size++] = key;
        return;
      }
      if (this.keys[slot] === key) return;
    }
  }

  keyAt(index: number): number {
    return this.order[index];
  }

  clear(): void {
    this.generation++;
    this.size = 0;
  }

  private grow(): void {
    const bigger = new GramTable(this.stamps.length);
    for (let i = 0; i < this.size; i++) bigger.add(this.order[i]);
    this.keys = bigger.keys;
    this.stamps = bigger.stamps;
    this.order = bigger.order;
    this.generation = bigger.generation;
    this.mask = bigger.mask;
  }
}

function mix(key: number): number {
  const h = Math.imul(key ^ (key >>> 16), 0x45d9f3b);
  return h ^ (h >>> 16);
}

// Reused by every call: the text's head as the grams see it, and its distinct grams. A scratch table
// per power of two of the text's length, so a short text's grams stay in a small, cache-resident table.
const units = new Uint16Array(MAX_CHARS + 2);
const scratches: GramTable[] = [];

/**
 * The distinct grams of a text. The text is read as `[\p{L}\p{N}]` runs: a run of digits is one 0, any
 * other run of characters one space, with a space at each end (what the regexes `\p{N}+` -> 0 and
 * `[^\p{L}\p{N}]+` -> space did, in one pass).
 */
export function distinctGrams(text: string): GramTable {
  const end = Math.min(text.length, MAX_CHARS);
  let n = 0;
  units[n++] = SPACE;
  let previous = -1;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    const unit = isNumberUnit(code) ? ZERO : isWordUnit(code) ? code : SPACE;
    if ((unit === ZERO || unit === SPACE) && previous === unit) continue;
    units[n++] = previous = unit;
  }
  units[n++] = SPACE;
  const size = Math.ceil(Math.log2(Math.max(16, n * MAX_GRAM)));
  const grams = (scratches[size] ??= new GramTable(2 ** size));
  grams.clear();
  for (let i = 0; i < n; i++) {
    let hash = FNV_OFFSET;
    let allSpace = true;
    for (let j = i; j < i + MAX_GRAM && j < n; j++) {
      hash = Math.imul(hash ^ units[j], FNV_PRIME);
      if (units[j] !== SPACE) allSpace = false;
      if (!allSpace) grams.add(hash);
    }
  }
  return grams;
}

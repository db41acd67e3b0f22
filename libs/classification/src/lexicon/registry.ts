import { isCjkUnit, isWordUnit } from '../chars';
import { CONCEPTS, type Concept, type Lexicon } from './concepts';
import { de } from './de';
import { en } from './en';
import { es } from './es';
import { fr } from './fr';
import { id } from './id';
import { ja } from './ja';
import { ko } from './ko';
import { PRIORITY_CUES } from './priority-cues';
import { pt } from './pt';
import { ru } from './ru';
import { tr } from './tr';
import { vi } from './vi';
import { zh } from './zh';

const LEXICONS: Record<string, Lexicon> = { en, ja, zh, ko, es, pt, fr, de, tr, ru, vi, id };

export const LEXICON_LANGUAGES: readonly string[] = Object.keys(LEXICONS);

/**
 * The trie's edges in an open-addressing hash over typed arrays. A Map keyed by node * 65536 + code
 * unit was the walk's main cost and slowed down as the lexicons grew (a larger Map misses the cache
 * more); this table is a few array reads per step. Built once from that Map.
 */
class EdgeTable {
  private readonly nodes: Int32Array;
  private readonly codes: Uint16Array;
  private readonly children: Int32Array;
  private readonly mask: number;

  constructor(edges: Map<number, number>) {
    let size = 16;
    while (size < edges.size * 2) size *= 2;
    this.mask = size - 1;
    this.nodes = new Int32Array(size);
    this.codes = new Uint16Array(size);
    this.children = new Int32Array(size); // 0 = empty slot: the root is nobody's child
    for (const [key, child] of edges) {
      const node = Math.floor(key / 0x10000);
      const code = key % 0x10000;
      let slot = EdgeTable.hash(node, code) & this.mask;
      while (this.children[slot] !== 0) slot = (slot + 1) & this.mask;
      this.nodes[slot] = node;
      this.codes[slot] = code;
      this.children[slot] = child;
    }
  }

  private static hash(node: number, code: number): number {
    return Math.imul(node, 0x9e3779b1) ^ Math.imul(code, 0x85ebca6b);
  }

  /** The child of `node` along `code`, or 0 when there is none. */
  child(node: number, code: number): number {
    let slot = EdgeTable.hash(node, code) & this.mask;
    for (;;) {
      const child = this.children[slot];
      if (child === 0 || (this.nodes[slot] === node && this.codes[slot] === code)) return child;
      slot = (slot + 1) & this.mask;
    }
  }
}

/** A literal term ends here: the concept it names, and whether the next character must not be a letter or digit. */
interface Hit {
  concept: Concept;
  wholeWord: boolean;
}

/**
 * All literal terms of a language (and English) in one trie, walked once from each possible start:
 * one pass over the text finds every concept, where one regex per concept took ~70 scans. The few
 * `re:` terms keep a regex each.
 */
interface Matcher {
  /** The trie's edges: (node, code unit) -> child node (root = 0). */
  edges: EdgeTable;
  /** Terms ending at each node. */
  hits: (Hit[] | undefined)[];
  /** 1 for code units that begin some term: most positions are rejected with one array read. */
  starts: Uint8Array;
  /** All `re:` terms in one alternation, one capture group per concept: one scan instead of one per concept. */
  combined: RegExp | undefined;
  /** Concept of each capture group of `combined` (index 1 = first group). */
  groupConcepts: (Concept | undefined)[];
  /** Per concept, its terms as a sticky regex, to test the other concepts where one matched. */
  sticky: [Concept, RegExp][];
}

function buildMatcher(lexicons: readonly Lexicon[]): Matcher {
  const edges = new Map<number, number>();
  const hits: (Hit[] | undefined)[] = [undefined];
  const starts = new Uint8Array(0x10000);
  const regexSources = new Map<Concept, string[]>();
  for (const lexicon of lexicons) {
    for (const concept of CONCEPTS) {
      for (const term of lexicon[concept] ?? []) {
        if (term.startsWith('re:')) {
          regexSources.set(concept, [...(regexSources.get(concept) ?? []), term.slice(3)]);
          continue;
        }
        const wholeWord = term.startsWith('=');
        const literal = wholeWord ? term.slice(1) : term;
        if (!literal) continue;
        starts[literal.charCodeAt(0)] = 1;
        let node = 0;
        for (let i = 0; i < literal.length; i++) {
          const key = node * 0x10000 + literal.charCodeAt(i);
          let child = edges.get(key);
          if (child === undefined) {
            child = hits.length;
            hits.push(undefined);
            edges.set(key, child);
          }
          node = child;
        }
        const here = (hits[node] ??= []);
        if (!here.some((hit) => hit.concept === concept && hit.wholeWord === wholeWord)) {
          here.push({ concept, wholeWord });
        }
      }
    }
  }
  const groupConcepts: (Concept | undefined)[] = [undefined];
  const parts: string[] = [];
  const sticky: [Concept, RegExp][] = [];
  for (const [concept, sources] of regexSources) {
    const source = sources.map((term) => `(?:${term})`).join('|');
    // Groups inside a term (if any) shift the numbering: count them.
    const inner = new RegExp(`${source}|`, 'u').exec('')!.length - 1;
    groupConcepts.push(concept, ...new Array<undefined>(inner).fill(undefined));
    parts.push(`(${source})`);
    sticky.push([concept, new RegExp(source, 'uy')]);
  }
  const combined = parts.length ? new RegExp(parts.join('|'), 'gu') : undefined;
  return { edges: new EdgeTable(edges), hits, starts, combined, groupConcepts, sticky };
}

/**
 * Concepts of the `re:` terms. A match counts at the start of a word (CJK anywhere). Where one concept
 * matched, the others are tried at the same position too, since an alternation reports only the first.
 */
function findRegexConcepts(matcher: Matcher, text: string, found: Set<Concept>): void {
  const { combined, groupConcepts, sticky } = matcher;
  if (!combined) return;
  combined.lastIndex = 0;
  for (let m = combined.exec(text); m; m = combined.exec(text)) {
    const at = m.index;
    combined.lastIndex = at + 1;
    if (!(at === 0 || isCjkUnit(m[0].charCodeAt(0)) || !isWordUnit(text.charCodeAt(at - 1)))) continue;
    for (let g = 1; g < m.length; g++) {
      const concept = groupConcepts[g];
      if (concept && m[g] !== undefined) {
        found.add(concept);
        break;
      }
    }
    for (const [concept, re] of sticky) {
      if (found.has(concept)) continue;
      re.lastIndex = at;
      if (re.test(text)) found.add(concept);
    }
  }
}

/** A language's own terms and priority cues, then English's (customers everywhere write English product words). */
function lexiconsOf(language: string): Lexicon[] {
  const own = [LEXICONS[language], PRIORITY_CUES[language] ?? {}];
  return language === 'en' ? own : [...own, en, PRIORITY_CUES.en];
}

const MATCHERS = new Map<string, Matcher>();

function matcherFor(language: string): Matcher {
  const key = LEXICONS[language] ? language : 'en';
  let matcher = MATCHERS.get(key);
  if (!matcher) {
    matcher = buildMatcher(lexiconsOf(key));
    MATCHERS.set(key, matcher);
  }
  return matcher;
}

/** Builds every language's matcher now rather than on its first inquiry. */
export function warmUpLexicons(): void {
  for (const language of LEXICON_LANGUAGES) matcherFor(language);
}

/**
 * Idioms whose words are also terms with another meaning, blanked before matching: "par erreur",
 * "por error", "por erro" are "by mistake", not an error message (so "j'ai publié par erreur ma clé API"
 * is no web error).
 */
const MASKS: Record<string, readonly string[]> = {
  en: ['by error', 'sent in error'],
  fr: ['par erreur'],
  es: ['por error'],
  pt: ['por erro'],
};

function masked(text: string, language: string): string {
  let out = text;
  for (const lang of language === 'en' ? ['en'] : [language, 'en']) {
    for (const idiom of MASKS[lang] ?? []) out = out.replaceAll(idiom, ' '.repeat(idiom.length));
  }
  return out;
}

/**
 * Concepts an inquiry mentions, looked up in its own language and in English (customers everywhere
 * write "API", "KYC", "withdraw" in English). Expects text from normalize(). A term counts when it
 * starts a word (CJK terms anywhere); a "=" term must also end one.
 */
export function findConcepts(normalizedText: string, language: string): Set<Concept> {
  const matcher = matcherFor(language);
  const { edges, hits, starts } = matcher;
  const found = new Set<Concept>();
  const text = masked(normalizedText, language);
  const length = text.length;
  let previousIsWord = false;
  let previousIsCjk = false;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    // A word starts after a non-word character, at any CJK character, and where a Latin word or a
    // number follows CJK text without a space (アプリで2段階認証, 用usdt充值).
    const cjk = isCjkUnit(code);
    const startsHere = !previousIsWord || cjk || previousIsCjk;
    previousIsWord = isWordUnit(code);
    previousIsCjk = cjk;
    if (!startsHere || starts[code] === 0) continue;
    let node = edges.child(0, code);
    let j = i + 1;
    while (node !== 0) {
      const ending = hits[node];
      if (ending) {
        for (let h = 0; h < ending.length; h++) {
          const hit = ending[h];
          if (!hit.wholeWord || j >= length || !isWordUnit(text.charCodeAt(j))) found.add(hit.concept);
        }
      }
      if (j >= length) break;
      node = edges.child(node, text.charCodeAt(j++));
    }
  }
  findRegexConcepts(matcher, text, found);
  // A bare "verification" (verificación, verifikasi, xác minh) is identity verification unless the
  // text is about a 2FA or e-mail code: código de verificação, verificação em duas etapas, mã xác minh.
  if (found.has('verification') && !found.has('twoFa')) found.add('kyc');
  return found;
}

/** The literal terms of each concept in a language's lexicon and English (for building article queries). */
export function conceptTerms(language: string): Map<Concept, string[]> {
  const lexicons = lexiconsOf(LEXICONS[language] ? language : 'en');
  const terms = new Map<Concept, string[]>();
  for (const lexicon of lexicons) {
    for (const concept of CONCEPTS) {
      for (const term of lexicon[concept] ?? []) {
        if (term.startsWith('re:')) continue;
        terms.set(concept, [...(terms.get(concept) ?? []), term.startsWith('=') ? term.slice(1) : term]);
      }
    }
  }
  return terms;
}

import { CONCEPTS, type Concept, type Lexicon } from './concepts';
import { de } from './de';
import { en } from './en';
import { es } from './es';
import { fr } from './fr';
import { id } from './id';
import { ja } from './ja';
import { ko } from './ko';
import { pt } from './pt';
import { ru } from './ru';
import { tr } from './tr';
import { vi } from './vi';
import { zh } from './zh';

const LEXICONS: Record<string, Lexicon> = { en, ja, zh, ko, es, pt, fr, de, tr, ru, vi, id };

type CompiledLexicon = [Concept, RegExp][];

const CJK_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const WORD_CHAR_RE = /[\p{L}\p{N}]/u;
const escape = (term: string): string => term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// No lookbehind in the compiled patterns: a lookbehind in front of every alternative makes V8 try
// the whole alternation at every position (5 ms a text). The word-start check is done in matches().
function termSource(term: string): string {
  if (term.startsWith('re:')) return term.slice(3);
  if (term.startsWith('=')) return `${escape(term.slice(1))}(?![\\p{L}\\p{N}])`;
  return escape(term);
}

function compile(lexicon: Lexicon): CompiledLexicon {
  const compiled: CompiledLexicon = [];
  for (const concept of CONCEPTS) {
    const terms = lexicon[concept];
    if (terms?.length) compiled.push([concept, new RegExp(terms.map(termSource).join('|'), 'gu')]);
  }
  return compiled;
}

/** True when a term occurs at the start of a word; CJK terms may start anywhere (no spaces there). */
function matches(re: RegExp, text: string): boolean {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const first = m[0][0] ?? '';
    if (m.index === 0 || CJK_RE.test(first) || !WORD_CHAR_RE.test(text[m.index - 1])) return true;
    re.lastIndex = m.index + 1;
  }
  return false;
}

const COMPILED = new Map(Object.entries(LEXICONS).map(([language, lexicon]) => [language, compile(lexicon)]));

export const LEXICON_LANGUAGES: readonly string[] = Object.keys(LEXICONS);

/**
 * Concepts an inquiry mentions, looked up in its own language and in English (customers everywhere
 * write "API", "KYC", "withdraw" in English). Expects text from normalize().
 */
export function findConcepts(normalizedText: string, language: string): Set<Concept> {
  const found = new Set<Concept>();
  for (const lang of language === 'en' ? ['en'] : [language, 'en']) {
    for (const [concept, re] of COMPILED.get(lang) ?? []) {
      if (!found.has(concept) && matches(re, normalizedText)) found.add(concept);
    }
  }
  return found;
}

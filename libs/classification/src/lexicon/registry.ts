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
const escape = (term: string): string => term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function termSource(term: string): string {
  if (term.startsWith('re:')) return term.slice(3);
  if (term.startsWith('=')) return `(?<![\\p{L}\\p{N}])${escape(term.slice(1))}(?![\\p{L}\\p{N}])`;
  if (CJK_RE.test(term)) return escape(term);
  return `(?<![\\p{L}\\p{N}])${escape(term)}`;
}

function compile(lexicon: Lexicon): CompiledLexicon {
  const compiled: CompiledLexicon = [];
  for (const concept of CONCEPTS) {
    const terms = lexicon[concept];
    if (terms?.length) compiled.push([concept, new RegExp(terms.map(termSource).join('|'), 'u')]);
  }
  return compiled;
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
      if (!found.has(concept) && re.test(normalizedText)) found.add(concept);
    }
  }
  return found;
}

import { detect as tinyDetect } from 'tinyld';
import { CharClass, scriptOf, scriptOfCodePoint } from './chars';
import { proseOf } from './text';

export interface LanguageGuess {
  language: string;
  confidence: number;
}

const LATIN_LANGUAGES = ['en', 'es', 'pt', 'fr', 'de', 'tr', 'id', 'vi'] as const;

// Distinctive function words: cheap and reliable on the short, informal texts a desk receives,
// where character n-gram detectors (tinyld included) confuse e.g. Indonesian chat with Finnish.
const STOPWORDS: Record<(typeof LATIN_LANGUAGES)[number], string[]> = {
  en: "the and is my i to it of you your have not with this for what why how can cant can't was are from please hi hello thanks there just but me im i'm get got didnt been any".split(
    ' ',
  ),
  es: 'el la los las que y en mi mis por para con no es una un del se me hola gracias pero cómo está ya al lo muy puedo tengo'.split(
    ' ',
  ),
  pt: 'o os as que e em meu minha não um uma do da para com no na olá oi obrigado já está você foi ao dos das minhas meus consigo vocês'.split(
    ' ',
  ),
  fr: 'le la les de des et en je mon ma mes est pas un une du pour avec que bonjour merci vous sur il au ne ce qui'.split(
    ' ',
  ),
  de: 'der die das und ist ich nicht mein meine ein eine mit zu von auf für hallo bitte sie es wie wurde den dem ihr habe auch'.split(
    ' ',
  ),
  tr: 've bir bu için ama çok ne mi mı merhaba ben benim var yok ile gibi nasıl değil ya da hesabım işlem'.split(
    ' ',
  ),
  id: 'saya dan yang di ke tidak gak ini itu ada untuk dengan sudah udah belum tolong min ya bisa akun mau tapi halo apa kapan gimana'.split(
    ' ',
  ),
  // (and as written without diacritics in chat: "tk cua minh bi khoa", "ko vao dc")
  vi: 'tôi mình của và là không có được cho bị đã này với rồi tài khoản sao nhưng lại cua minh khong ko dc duoc roi nhung khoan giup vay thi'.split(
    ' ',
  ),
};
// Letters (and Spanish's inverted marks) that only one or two of the Latin-script languages write:
// evidence like a function word, and decisive when the function words are shared (es/fr "la", "que").
const DISTINCTIVE_LETTERS: Record<string, (typeof LATIN_LANGUAGES)[number][]> = {
  ñ: ['es'],
  '¿': ['es'],
  '¡': ['es'],
  ã: ['pt'],
  õ: ['pt'],
  ı: ['tr'],
  ğ: ['tr'],
  ş: ['tr'],
  ß: ['de'],
  ä: ['de'],
  è: ['fr'],
  ê: ['fr', 'pt'],
  ë: ['fr'],
  î: ['fr'],
  û: ['fr'],
  ù: ['fr'],
  œ: ['fr'],
};
const DISTINCTIVE_RE = new RegExp(`[${Object.keys(DISTINCTIVE_LETTERS).join('')}]`, 'g');
const TINYLD_MAX_CHARS = 400;
const STOPWORD_INDEX = new Map<string, string[]>();
for (const [language, words] of Object.entries(STOPWORDS)) {
  for (const word of words) STOPWORD_INDEX.set(word, [...(STOPWORD_INDEX.get(word) ?? []), language]);
}

// Letters only Vietnamese uses among the supported languages (đ, ơ, ư and the stacked tone marks).
const VIETNAMESE_RE = /[đơưăạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/giu;
const WORD_RE = /[\p{L}']+/gu;

function count(text: string, re: RegExp): number {
  return text.match(re)?.length ?? 0;
}

/** Code points per script in one pass (what counting with `\p{Script=...}` regexes gave). */
function scriptCounts(prose: string): Record<'kana' | 'hangul' | 'han' | 'cyrillic' | 'latin', number> {
  let kana = 0;
  let hangul = 0;
  let han = 0;
  let cyrillic = 0;
  let latin = 0;
  for (let i = 0; i < prose.length; i++) {
    const code = prose.charCodeAt(i);
    let cls: CharClass;
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < prose.length) {
      cls = scriptOfCodePoint(prose.codePointAt(i)!);
      i++;
    } else {
      cls = scriptOf(code);
    }
    switch (cls) {
      case CharClass.Hiragana:
      case CharClass.Katakana:
        kana++;
        break;
      case CharClass.Hangul:
        hangul++;
        break;
      case CharClass.Han:
        han++;
        break;
      case CharClass.Cyrillic:
        cyrillic++;
        break;
      case CharClass.Latin:
        latin++;
        break;
      case CharClass.Other:
        break;
    }
  }
  return { kana, hangul, han, cyrillic, latin };
}

/**
 * Main language of an inquiry as ISO 639-1. Scripts decide CJK, Korean and Russian outright (kana
 * means Japanese even when most words are English product names); Latin-script text is decided by
 * function words, with tinyld as the tie-breaker.
 */
export function detectLanguage(text: string): LanguageGuess {
  return detectLanguageOfNfkc(text.normalize('NFKC'));
}

/** detectLanguage() for text already in NFKC (the classifier normalises once). */
export function detectLanguageOfNfkc(nfkcText: string): LanguageGuess {
  const prose = proseOf(nfkcText);
  const { kana, hangul, han, cyrillic, latin } = scriptCounts(prose);
  // A CJK character carries about as much as a short Latin word.
  const latinWeight = latin / 4;
  const total = kana + hangul + han + cyrillic / 4 + latinWeight;
  if (total === 0) return { language: 'en', confidence: 0.2 };

  if (kana >= 2 && kana + han >= 0.3 * total) return { language: 'ja', confidence: share(kana + han, total) };
  if (hangul >= 2 && hangul >= 0.3 * total) return { language: 'ko', confidence: share(hangul + han, total) };
  if (han >= 2 && kana === 0 && han >= 0.3 * total) return { language: 'zh', confidence: share(han, total) };
  if (cyrillic >= 4 && cyrillic / 4 >= 0.3 * total)
    return { language: 'ru', confidence: share(cyrillic / 4, total) };
  if (latin === 0) return scriptOnly(kana, hangul, han, cyrillic);

  const vietnamese = count(prose, VIETNAMESE_RE);
  if (vietnamese >= 3 || (vietnamese >= 1 && vietnamese / latin > 0.04))
    return { language: 'vi', confidence: 0.95 };
  return latinLanguage(prose);
}

function share(part: number, total: number): number {
  return Math.min(0.99, 0.6 + 0.4 * (part / total));
}

function scriptOnly(kana: number, hangul: number, han: number, cyrillic: number): LanguageGuess {
  const ranked: [string, number][] = [
    ['ja', kana],
    ['ko', hangul],
    ['zh', han],
    ['ru', cyrillic],
  ];
  ranked.sort((a, b) => b[1] - a[1]);
  return { language: ranked[0][0], confidence: 0.5 };
}

function latinLanguage(prose: string): LanguageGuess {
  const scores = new Map<string, number>();
  let words = 0;
  for (const word of prose.toLowerCase().match(WORD_RE) ?? []) {
    words++;
    for (const language of STOPWORD_INDEX.get(word) ?? [])
      scores.set(language, (scores.get(language) ?? 0) + 1);
  }
  for (const letter of prose.toLowerCase().match(DISTINCTIVE_RE) ?? []) {
    for (const language of DISTINCTIVE_LETTERS[letter] ?? [])
      scores.set(language, (scores.get(language) ?? 0) + 1);
  }
  const ranked = [...scores.entries()].sort((a, b) => b[1] - a[1]);
  const [best, second] = [ranked[0], ranked[1]];
  if (best && best[1] >= 2 && best[1] >= 2 * (second?.[1] ?? 0)) {
    return { language: best[0], confidence: Math.min(0.99, 0.7 + 0.05 * (best[1] - (second?.[1] ?? 0))) };
  }
  // Few or contradictory function words: ask tinyld, restricted to the languages whose function words
  // came close (es or fr for "la ... que ... en"), or to all that write Latin when one word or none
  // was found.
  // tinyld costs ~1 ms on a paragraph and grows with length; the opening is enough to tell the language.
  const candidates =
    best && best[1] >= 2
      ? ranked.filter(([, score]) => 2 * score >= best[1]).map(([language]) => language)
      : [...LATIN_LANGUAGES];
  const guess = words > 0 ? tinyDetect(prose.slice(0, TINYLD_MAX_CHARS), { only: candidates }) : '';
  if (guess) return { language: guess, confidence: best ? 0.7 : 0.6 };
  return { language: best?.[0] ?? 'en', confidence: 0.4 };
}

/** Text normalisation shared by language detection, lexicon matching and the n-gram model. */

const URL_RE = /\bhttps?:\/\/\S+|\bwww\.\S+/giu;
const HANDLE_RE = /[@#][\p{L}\p{N}_]+/gu;
const URL_HINT_RE = /https?:\/\/|www\./i;
// The shortest token TOKEN_NOISE_RE removes is 24 hex digits, all of them word characters.
const LONG_TOKEN_RE = /[0-9A-Za-z]{24}/;
// Hashes, addresses and ids carry no language or topic signal but dominate character n-grams.
const TOKEN_NOISE_RE = /\b(?:0x)?[0-9a-f]{24,}\b|\b[1-9A-HJ-NP-Za-km-z]{25,90}\b/gu;

/** NFKC folds full-width digits and half-width kana; lower-casing makes lexicon terms case-free. */
export function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** The prose of an inquiry without URLs, @handles, #tags and long hex/base58 tokens. */
export function proseOf(text: string): string {
  // Each replace is a scan of the whole text: skip the ones whose trigger is absent.
  let prose = text;
  if (URL_HINT_RE.test(prose)) prose = prose.replace(URL_RE, ' ');
  if (prose.includes('@') || prose.includes('#')) prose = prose.replace(HANDLE_RE, ' ');
  if (LONG_TOKEN_RE.test(prose)) prose = prose.replace(TOKEN_NOISE_RE, ' ');
  return prose;
}

export function joinSubjectAndBody(subject: string | undefined, body: string): string {
  return subject && subject.trim() ? `${subject.trim()}\n${body}` : body;
}

import MiniSearch from 'minisearch';
import type { Category } from '@relaydesk/contracts';
import type { z } from 'zod';
import type { suggestedArticleSchema } from '@relaydesk/contracts';
import type { Concept } from '../lexicon/concepts';
import { conceptTerms } from '../lexicon/registry';
import articlesJson from './articles.json';

export type SuggestedArticle = z.infer<typeof suggestedArticleSchema>;

export interface HelpArticle {
  id: string;
  category: Category;
  url: string;
  translations: Record<string, { title: string; body: string }>;
}

interface IndexedDoc {
  id: string;
  category: Category;
  title: string;
  body: string;
}

const CJK_RUN_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;
const WORD_RE = /[\p{L}\p{N}]{2,}/gu;

/**
 * Concepts that say how urgent or how phrased an inquiry is, not what it is about: they would pull in
 * whatever article happens to contain "urgent" or "how".
 */
const CUE_CONCEPTS: ReadonlySet<Concept> = new Set<Concept>([
  'urgentWord',
  'fundsAtStake',
  'cannotAct',
  'losingMoney',
  'duration',
  'howTo',
  'notCompromised',
  'nothingEntered',
  'platform',
  'noLoss',
  'losingNow',
  'unfreezeRequest',
  'discrepancy',
  'charged',
  'compensation',
  'ownRecord',
  'malfunction',
  'ownEvent',
  'stopRequest',
  'minorNote',
  'settingIgnored',
]);

/**
 * Words for Latin/Cyrillic text and character bigrams for CJK runs: Japanese and Chinese have no
 * spaces, and bigrams match compounds like 出金 / 入金 without a dictionary.
 */
export function tokenize(text: string): string[] {
  const lower = text.normalize('NFKC').toLowerCase();
  const tokens: string[] = [];
  for (const run of lower.match(CJK_RUN_RE) ?? []) {
    if (run.length === 1) tokens.push(run);
    for (let i = 0; i + 2 <= run.length; i++) tokens.push(run.slice(i, i + 2));
  }
  for (const word of lower.replace(CJK_RUN_RE, ' ').match(WORD_RE) ?? []) tokens.push(word);
  return tokens;
}

/** articleId -> relevance of one concept, scaled so the concept's best article scores 1. */
type ConceptScores = Map<string, number>;

/**
 * Help-centre articles per language, indexed with MiniSearch (BM25). An inquiry is described by the
 * rubric concepts its text mentions (the lexicons already found them), so retrieval is done per concept,
 * once, when the index is built: each concept's terms in the article language are a MiniSearch query,
 * and its scores are kept. Suggesting is then a sum of a few precomputed score lists — no query parsing
 * or index walk per inquiry — and works the same for an inquiry in a language without translations
 * (Spanish concepts find English articles through the concepts, not through shared words).
 */
export class ArticleIndex {
  private readonly indexes = new Map<string, MiniSearch<IndexedDoc>>();
  private readonly conceptScores = new Map<string, Map<Concept, ConceptScores>>();
  private readonly byId: Map<string, HelpArticle>;

  constructor(readonly articles: readonly HelpArticle[] = articlesJson as HelpArticle[]) {
    this.byId = new Map(articles.map((a) => [a.id, a]));
    const languages = new Set(articles.flatMap((a) => Object.keys(a.translations)));
    for (const language of languages) {
      const index = new MiniSearch<IndexedDoc>({
        fields: ['title', 'body'],
        storeFields: ['category'],
        tokenize,
        processTerm: (term) => term,
        searchOptions: { boost: { title: 2 }, combineWith: 'OR' },
      });
      index.addAll(
        articles
          .filter((a) => a.translations[language])
          .map((a) => ({ id: a.id, category: a.category, ...a.translations[language] })),
      );
      this.indexes.set(language, index);
      this.conceptScores.set(language, this.scoreConcepts(index, language));
    }
  }

  private scoreConcepts(index: MiniSearch<IndexedDoc>, language: string): Map<Concept, ConceptScores> {
    const byConcept = new Map<Concept, ConceptScores>();
    for (const [concept, terms] of conceptTerms(language)) {
      if (CUE_CONCEPTS.has(concept)) continue;
      const query = [...new Set(terms.flatMap((term) => tokenize(term)))].join(' ');
      if (!query) continue;
      const results = index.search(query, { tokenize: (q) => q.split(' ') });
      const top = results[0]?.score ?? 0;
      if (top <= 0) continue;
      byConcept.set(concept, new Map(results.map((r) => [r.id as string, r.score / top])));
    }
    return byConcept;
  }

  get languages(): string[] {
    return [...this.indexes.keys()];
  }

  /** MiniSearch over one language's articles (free-text search, e.g. for an agent UI). */
  search(text: string, language: string): { id: string; score: number }[] {
    const index = this.indexes.get(language);
    const query = [...new Set(tokenize(text))].join(' ');
    if (!index || !query) return [];
    return index
      .search(query, { tokenize: (q) => q.split(' ') })
      .map((r) => ({ id: r.id as string, score: r.score }));
  }

  /**
   * Up to `limit` articles in the inquiry's language (English when it has none) for the concepts the
   * inquiry mentions, articles of the predicted category counted double.
   */
  suggest(
    concepts: ReadonlySet<Concept>,
    language: string,
    category: Category,
    limit = 3,
  ): SuggestedArticle[] {
    const lang = this.indexes.has(language) ? language : 'en';
    const scoresByConcept = this.conceptScores.get(lang);
    if (!scoresByConcept) return [];
    const totals = new Map<string, number>();
    for (const concept of concepts) {
      const scores = scoresByConcept.get(concept);
      if (!scores) continue;
      for (const [id, score] of scores) totals.set(id, (totals.get(id) ?? 0) + score);
    }
    if (totals.size === 0) return this.byCategory(lang, category, limit);
    const ranked: { id: string; score: number }[] = [];
    for (const [id, score] of totals) {
      ranked.push({ id, score: score * (this.byId.get(id)!.category === category ? 2 : 1) });
    }
    ranked.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    return ranked.slice(0, limit).map((r) => {
      const article = this.byId.get(r.id)!;
      return {
        id: article.id,
        title: article.translations[lang].title,
        url: article.url,
        language: lang,
        score: Math.round(r.score * 1000) / 1000,
      };
    });
  }

  /** No concept matched any article (a language we have no translation for): the predicted category's articles, scored 0. */
  private byCategory(lang: string, category: Category, limit: number): SuggestedArticle[] {
    return this.articles
      .filter((a) => a.category === category && a.translations[lang])
      .slice(0, limit)
      .map((a) => ({ id: a.id, title: a.translations[lang].title, url: a.url, language: lang, score: 0 }));
  }
}

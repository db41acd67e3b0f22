import MiniSearch from 'minisearch';
import type { Category } from '@relaydesk/contracts';
import type { z } from 'zod';
import type { suggestedArticleSchema } from '@relaydesk/contracts';
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
// Retrieval cost grows with query terms; the opening of an inquiry names its topic.
const MAX_QUERY_CHARS = 240;
const MAX_QUERY_TERMS = 40;

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

export class ArticleIndex {
  private readonly indexes = new Map<string, MiniSearch<IndexedDoc>>();
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
    }
  }

  get languages(): string[] {
    return [...this.indexes.keys()];
  }

  /** Up to `limit` articles in the inquiry's language (English when it has none), the predicted category boosted. */
  suggest(text: string, language: string, category: Category, limit = 3): SuggestedArticle[] {
    const lang = this.indexes.has(language) ? language : 'en';
    const index = this.indexes.get(lang);
    if (!index) return [];
    const query = [...new Set(tokenize(text.slice(0, MAX_QUERY_CHARS)))].slice(0, MAX_QUERY_TERMS).join(' ');
    if (!query) return [];
    // The query is already tokenized; re-tokenizing it and a per-term boost callback cost more than the search.
    const results = index
      .search(query, { tokenize: (q) => q.split(' ') })
      .map((r) => ({ id: r.id as string, score: r.score * (r.category === category ? 2 : 1) }))
      .sort((a, b) => b.score - a.score);
    if (results.length === 0) return this.byCategory(lang, category, limit);
    return results.slice(0, limit).map((r) => {
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

  /** No words in common (a language we have no translation for): the predicted category's articles, scored 0. */
  private byCategory(lang: string, category: Category, limit: number): SuggestedArticle[] {
    return this.articles
      .filter((a) => a.category === category && a.translations[lang])
      .slice(0, limit)
      .map((a) => ({ id: a.id, title: a.translations[lang].title, url: a.url, language: lang, score: 0 }));
  }
}

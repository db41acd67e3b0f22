/**
 * Multinomial naive Bayes over character n-grams. Character n-grams need no tokenizer, so one model
 * covers Japanese, Chinese and Korean as well as the Latin and Cyrillic languages.
 */
export interface NaiveBayesModel<L extends string> {
  labels: readonly L[];
  logPrior: Map<L, number>;
  logLikelihood: Map<L, Map<string, number>>;
  logUnseen: Map<L, number>;
}

const NGRAM_SIZES = [2, 3, 4];
const MAX_CHARS = 2000; // long bodies are quoted threads; the head carries the topic

export function ngrams(text: string): Map<string, number> {
  const clean = ` ${text.slice(0, MAX_CHARS).replace(/[\p{N}]+/gu, '0').replace(/[^\p{L}\p{N}]+/gu, ' ')} `;
  const counts = new Map<string, number>();
  for (const n of NGRAM_SIZES) {
    for (let i = 0; i + n <= clean.length; i++) {
      const gram = clean.slice(i, i + n);
      if (gram.trim().length === 0) continue;
      counts.set(gram, (counts.get(gram) ?? 0) + 1);
    }
  }
  return counts;
}

export function trainNaiveBayes<L extends string>(
  labels: readonly L[],
  examples: readonly { text: string; label: L }[],
  alpha = 0.3,
): NaiveBayesModel<L> {
  const vocabulary = new Set<string>();
  const counts = new Map<L, Map<string, number>>(labels.map((l) => [l, new Map()]));
  const docs = new Map<L, number>(labels.map((l) => [l, 0]));
  for (const { text, label } of examples) {
    docs.set(label, (docs.get(label) ?? 0) + 1);
    const perLabel = counts.get(label)!;
    // Binary counts: a gram repeated in one long email should not outvote many short messages.
    for (const gram of ngrams(text).keys()) {
      vocabulary.add(gram);
      perLabel.set(gram, (perLabel.get(gram) ?? 0) + 1);
    }
  }
  const logPrior = new Map<L, number>();
  const logLikelihood = new Map<L, Map<string, number>>();
  const logUnseen = new Map<L, number>();
  for (const label of labels) {
    logPrior.set(label, Math.log(((docs.get(label) ?? 0) + 1) / (examples.length + labels.length)));
    const perLabel = counts.get(label)!;
    let total = 0;
    for (const c of perLabel.values()) total += c;
    const denominator = total + alpha * (vocabulary.size + 1);
    const table = new Map<string, number>();
    for (const [gram, c] of perLabel) table.set(gram, Math.log((c + alpha) / denominator));
    logLikelihood.set(label, table);
    logUnseen.set(label, Math.log(alpha / denominator));
  }
  return { labels, logPrior, logLikelihood, logUnseen };
}

/** Posterior probability of each label. */
export function predictNaiveBayes<L extends string>(model: NaiveBayesModel<L>, text: string): Map<L, number> {
  const grams = ngrams(text);
  const scores = new Map<L, number>();
  for (const label of model.labels) {
    const table = model.logLikelihood.get(label)!;
    const unseen = model.logUnseen.get(label)!;
    let score = model.logPrior.get(label)!;
    for (const gram of grams.keys()) score += table.get(gram) ?? unseen;
    scores.set(label, score);
  }
  return softmax(scores, Math.max(1, grams.size / 20));
}

/** Softmax with a temperature: raw NB log-odds over hundreds of grams are wildly over-confident. */
export function softmax<L>(scores: Map<L, number>, temperature = 1): Map<L, number> {
  const max = Math.max(...scores.values());
  let sum = 0;
  const out = new Map<L, number>();
  for (const [label, s] of scores) {
    const e = Math.exp((s - max) / temperature);
    out.set(label, e);
    sum += e;
  }
  for (const [label, e] of out) out.set(label, e / sum);
  return out;
}

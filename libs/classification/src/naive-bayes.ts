/**
 * Multinomial naive Bayes over character n-grams. Character n-grams need no tokenizer, so one model
 * covers Japanese, Chinese and Korean as well as the Latin and Cyrillic languages.
 */
export interface NaiveBayesModel<L extends string> {
  labels: readonly L[];
  logPrior: Float64Array;
  /** gram -> log P(gram | label) per label, in `labels` order: one hash lookup per gram. */
  logLikelihood: Map<string, Float64Array>;
  logUnseen: Float64Array;
}

const NGRAM_SIZES = [2, 3, 4];
const MAX_CHARS = 2000; // long bodies are quoted threads; the head carries the topic

export function ngrams(text: string): Map<string, number> {
  const clean = ` ${text
    .slice(0, MAX_CHARS)
    .replace(/[\p{N}]+/gu, '0')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')} `;
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
  const logPrior = new Float64Array(labels.length);
  const logUnseen = new Float64Array(labels.length);
  const logLikelihood = new Map<string, Float64Array>();
  const denominators = labels.map((label) => {
    let total = 0;
    for (const c of counts.get(label)!.values()) total += c;
    return total + alpha * (vocabulary.size + 1);
  });
  labels.forEach((label, i) => {
    logPrior[i] = Math.log(((docs.get(label) ?? 0) + 1) / (examples.length + labels.length));
    logUnseen[i] = Math.log(alpha / denominators[i]);
  });
  for (const gram of vocabulary) {
    const row = new Float64Array(labels.length);
    labels.forEach(
      (label, i) => (row[i] = Math.log(((counts.get(label)!.get(gram) ?? 0) + alpha) / denominators[i])),
    );
    logLikelihood.set(gram, row);
  }
  return { labels, logPrior, logLikelihood, logUnseen };
}

/** Posterior probability of each label, from grams computed once with ngrams(). */
export function predictNaiveBayes<L extends string>(
  model: NaiveBayesModel<L>,
  grams: Map<string, number>,
): Map<L, number> {
  const totals = Float64Array.from(model.logPrior);
  for (const gram of grams.keys()) {
    const row = model.logLikelihood.get(gram) ?? model.logUnseen;
    for (let i = 0; i < totals.length; i++) totals[i] += row[i];
  }
  const scores = new Map<L, number>(model.labels.map((label, i) => [label, totals[i]]));
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

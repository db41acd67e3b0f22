import { CONCEPTS, type Concept } from './lexicon/concepts';
import { mulberry32, shuffle } from './evaluation';
import { distinctGrams } from './grams';

/**
 * Multinomial logistic regression over what the rules read and what the text says: one binary feature
 * per concept the lexicons found (the concepts are the same in every language, so a weight learnt from
 * a Japanese line serves a Portuguese one) and the text's character 1- to 3-grams, hashed into a fixed
 * number of rows and scaled to unit length (a long e-mail counts as much as a chat line). The grams
 * carry what no lexicon term names yet; the concepts carry what one language taught to the others.
 *
 * Trained by AdaGrad in seeded epochs, so the same lines always give the same weights. Measured held
 * out batch by batch against naive Bayes over the same grams and against a model over the concepts
 * alone (README, 1.17.0), it was better on both fields.
 */
export interface LinearModel<L extends string> {
  labels: readonly L[];
  /**
   * One row of `labels.length` weights per feature: the concepts, a bias, then the gram rows. Single
   * precision: half the memory a prediction reads at random (1.8 MB for category rather than 3.7 MB).
   */
  weights: Float32Array;
}

/** What the model reads of an inquiry. */
export interface LinearFeatures {
  concepts: ReadonlySet<Concept>;
  /** The inquiry's prose, lower-cased (see read() in classifier.ts). */
  prose: string;
}

const CONCEPT_ROW = new Map<Concept, number>(CONCEPTS.map((concept, i) => [concept, i]));
const BIAS = CONCEPTS.length;
const GRAM_BITS = 16; // 65,536 rows for ~45,000 distinct grams: as good as 2^18 and 2^20 held out
const GRAM_MASK = (1 << GRAM_BITS) - 1;
const GRAM_BASE = BIAS + 1;
const ROWS = GRAM_BASE + (1 << GRAM_BITS);
const EPOCHS = 15;
const LEARNING_RATE = 0.3; // AdaGrad: each weight's step shrinks with its own gradient history
const L2 = 1e-5;

/** An inquiry's features as parallel arrays of rows and values: read once, used by both models. */
export interface Sparse {
  rows: Int32Array;
  values: Float64Array;
}

/** The features of an inquiry, or undefined when it has nothing the models read. */
export function linearFeatures({ concepts, prose }: LinearFeatures): Sparse | undefined {
  const grams = distinctGrams(prose);
  // Nothing to go on (empty, emoji only): the model would only repeat its priors.
  if (grams.size === 0 && concepts.size === 0) return undefined;
  const rows = new Int32Array(concepts.size + 1 + grams.size);
  const values = new Float64Array(rows.length);
  let n = 0;
  for (const concept of concepts) {
    rows[n] = CONCEPT_ROW.get(concept)!;
    values[n++] = 1;
  }
  rows[n] = BIAS;
  values[n++] = 1;
  const gramValue = 1 / Math.sqrt(Math.max(1, grams.size));
  for (let g = 0; g < grams.size; g++) {
    rows[n] = GRAM_BASE + (grams.keyAt(g) & GRAM_MASK);
    values[n++] = gramValue;
  }
  return { rows, values };
}

/** Trains on labelled features (see linearFeatures(); an example with none teaches nothing). */
export function trainLinearModel<L extends string>(
  labels: readonly L[],
  examples: readonly { x: Sparse | undefined; label: L }[],
): LinearModel<L> {
  const k = labels.length;
  const weights = new Float64Array(ROWS * k);
  const squares = new Float64Array(weights.length);
  const data = examples
    .filter((e): e is { x: Sparse; label: L } => e.x !== undefined)
    .map((e) => ({ x: e.x, target: labels.indexOf(e.label) }));
  const order = data.map((_, i) => i);
  const random = mulberry32(7);
  const p = new Float64Array(k);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    shuffle(order, random);
    for (const e of order) {
      const { x, target } = data[e];
      probabilities(weights, x, k, p);
      for (let f = 0; f < x.rows.length; f++) {
        const at = x.rows[f] * k;
        for (let l = 0; l < k; l++) {
          const gradient = (p[l] - (l === target ? 1 : 0)) * x.values[f] + L2 * weights[at + l];
          squares[at + l] += gradient * gradient;
          weights[at + l] -= (LEARNING_RATE * gradient) / (Math.sqrt(squares[at + l]) + 1e-8);
        }
      }
    }
  }
  return { labels, weights: Float32Array.from(weights) };
}

/** Probability of each label for an inquiry's features. */
export function predictLinearModel<L extends string>(model: LinearModel<L>, x: Sparse): Map<L, number> {
  const k = model.labels.length;
  const p = probabilities(model.weights, x, k, new Float64Array(k));
  return new Map(model.labels.map((label, l) => [label, p[l]]));
}

function probabilities(
  weights: Float32Array | Float64Array,
  x: Sparse,
  k: number,
  out: Float64Array,
): Float64Array {
  out.fill(0);
  for (let f = 0; f < x.rows.length; f++) {
    const at = x.rows[f] * k;
    const value = x.values[f];
    for (let l = 0; l < k; l++) out[l] += weights[at + l] * value;
  }
  let max = -Infinity;
  for (let l = 0; l < k; l++) max = Math.max(max, out[l]);
  let sum = 0;
  for (let l = 0; l < k; l++) sum += out[l] = Math.exp(out[l] - max);
  for (let l = 0; l < k; l++) out[l] /= sum;
  return out;
}

/** Softmax with a temperature, for turning the rules' scores into confidences. */
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

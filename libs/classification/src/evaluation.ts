/** Metrics for the eval CLI: accuracy, macro-F1, confusion matrices and k-fold splits. */

export interface FieldReport {
  field: string;
  accuracy: number;
  macroF1: number;
  labels: string[];
  /** confusion[gold][predicted] */
  confusion: Map<string, Map<string, number>>;
}

export function scoreField(
  field: string,
  gold: readonly string[],
  predicted: readonly string[],
): FieldReport {
  const labels = [...new Set([...gold, ...predicted])].sort();
  const confusion = new Map(labels.map((g) => [g, new Map(labels.map((p) => [p, 0]))]));
  let correct = 0;
  gold.forEach((g, i) => {
    const p = predicted[i];
    if (g === p) correct++;
    const row = confusion.get(g)!;
    row.set(p, row.get(p)! + 1);
  });
  const f1s = labels
    .filter((l) => gold.includes(l))
    .map((l) => {
      const tp = confusion.get(l)!.get(l)!;
      const fp = labels.reduce((s, g) => s + (g === l ? 0 : confusion.get(g)!.get(l)!), 0);
      const fn = labels.reduce((s, p) => s + (p === l ? 0 : confusion.get(l)!.get(p)!), 0);
      return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
    });
  return {
    field,
    accuracy: gold.length ? correct / gold.length : 0,
    macroF1: f1s.length ? f1s.reduce((a, b) => a + b, 0) / f1s.length : 0,
    labels,
    confusion,
  };
}

export function formatReport(report: FieldReport): string {
  const width = Math.max(8, ...report.labels.map((l) => l.length)) + 1;
  const pad = (s: string | number) => String(s).padStart(width);
  const lines = [
    `${report.field}: accuracy ${report.accuracy.toFixed(3)}  macro-F1 ${report.macroF1.toFixed(3)}`,
    `${'gold \\ predicted'.padEnd(width + 8)}${report.labels.map(pad).join('')}`,
  ];
  for (const gold of report.labels) {
    const row = report.confusion.get(gold)!;
    lines.push(`${gold.padEnd(width + 8)}${report.labels.map((p) => pad(row.get(p)!)).join('')}`);
  }
  return lines.join('\n');
}

/** Stratified k-fold: every fold gets its share of each label, so small classes appear in every test fold. */
export function stratifiedFolds<T>(
  items: readonly T[],
  k: number,
  labelOf: (item: T) => string,
  seed = 42,
): number[] {
  const rng = mulberry32(seed);
  const byLabel = new Map<string, number[]>();
  items.forEach((item, i) => byLabel.set(labelOf(item), [...(byLabel.get(labelOf(item)) ?? []), i]));
  const fold = new Array<number>(items.length).fill(0);
  let next = 0;
  for (const indices of byLabel.values()) {
    shuffle(indices, rng);
    for (const i of indices) fold[i] = next++ % k;
  }
  return fold;
}

/** Fisher-Yates shuffle in place, drawing from `random`. */
export function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}

/** A small seeded PRNG: folds and training orders that are the same on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

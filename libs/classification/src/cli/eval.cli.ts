import type { Category, Priority } from '@relaydesk/contracts';
import { createClassifier, type LabelledInquiry } from '../classifier';
import { formatReport, scoreField, stratifiedFolds } from '../evaluation';
import { shippedTrainingSet } from '../model/shipped-training-set';
import { argValue, readJsonl } from './jsonl';

interface Row extends LabelledInquiry {
  id?: string;
  language: string;
}

const USAGE =
  'usage: npm run -s classify:eval -- --input FILE.jsonl [--cv K | --cv batch] [--category-model-weight W] [--priority-model-weight W] [--train FILE.jsonl] [--errors]';

function readRows(path: string): Row[] {
  const rows: Row[] = [];
  for (const line of readJsonl(path)) {
    const v = line.value as Partial<Row> | undefined;
    if (!v || typeof v.body !== 'string' || !v.category || !v.priority || !v.language) {
      process.stderr.write(
        `line ${line.lineNumber}: ${line.error ?? 'needs body, category, priority and language'}\n`,
      );
      continue;
    }
    rows.push(v as Row);
  }
  return rows;
}

function batchOf(row: Row): string {
  return (row.id ?? '').split('-')[0];
}

function main(args: string[]): number {
  const input = argValue(args, '--input');
  if (!input) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const rows = readRows(input);
  // The models learn from the shipped labelled lines (or --train FILE), never from a line being
  // measured: lines of the input are left out by id, so a probe batch is scored as if unseen by them
  // (the lexicons and rules may still have been written while reading it: see the README).
  const measured = new Set(rows.map((r) => r.id).filter((id) => id !== undefined));
  const trainPath = argValue(args, '--train');
  const available = trainPath ? readRows(trainPath) : shippedTrainingSet();
  const training = available.filter((t: { id?: string }) => t.id === undefined || !measured.has(t.id));
  // --category-model-weight W, --priority-model-weight W: the weights of the category and priority
  // models next to the rules (0: the rules alone; default: the classifier's).
  const weight = (name: string) => {
    const value = argValue(args, name);
    return value === undefined ? undefined : Number(value);
  };
  const categoryModelWeight = weight('--category-model-weight');
  const priorityModelWeight = weight('--priority-model-weight');
  // --cv K: stratified K-fold; --cv batch: each probe batch (the id's prefix, "n13" of "n13-042") held
  // out in turn, as the README's held-out tables are measured.
  const cv = argValue(args, '--cv');
  const byBatch = cv === 'batch';
  const batches = byBatch ? [...new Set(rows.map((r) => batchOf(r)))] : [];
  const k = byBatch ? batches.length : Number(cv ?? 0);
  const predicted: { category: Category; priority: Priority; language: string }[] = [];
  const options = { categoryModelWeight, priorityModelWeight, labelsOnly: true };
  const source = trainPath ?? 'the shipped labelled lines';
  const left = available.length - training.length;
  if (k >= 2) {
    // Each line is classified by a model that never saw it: trained on the other folds and the rest.
    const folds = byBatch
      ? rows.map((r) => batches.indexOf(batchOf(r)))
      : stratifiedFolds(rows, k, (r) => r.category);
    for (let f = 0; f < k; f++) {
      const classifier = createClassifier({
        ...options,
        trainingSet: [...rows.filter((_, i) => folds[i] !== f), ...training],
      });
      rows.forEach((r, i) => {
        if (folds[i] === f) predicted[i] = classifier.classify(r);
      });
    }
    const how = byBatch ? `each of ${k} batches held out in turn` : `${k}-fold stratified cross-validation`;
    process.stdout.write(
      `${how} over ${rows.length} lines; model also trained on ${training.length} lines of ${source} (${left} of them left out as input lines)\n\n`,
    );
  } else {
    const classifier = createClassifier({ ...options, trainingSet: training });
    rows.forEach((r, i) => (predicted[i] = classifier.classify(r)));
    process.stdout.write(
      `${rows.length} lines; model trained on ${training.length} lines of ${source} (${left} left out as input lines)\n\n`,
    );
  }
  for (const field of ['category', 'priority', 'language'] as const) {
    const report = scoreField(
      field,
      rows.map((r) => r[field]),
      predicted.map((p) => p[field]),
    );
    process.stdout.write(`${formatReport(report)}\n\n`);
  }
  if (args.includes('--errors')) {
    rows.forEach((r, i) => {
      const p = predicted[i];
      if (p.category !== r.category || p.priority !== r.priority || p.language !== r.language) {
        const gold = `${r.category}/${r.priority}/${r.language}`;
        const got = `${p.category}/${p.priority}/${p.language}`;
        process.stdout.write(
          `${r.id ?? '?'} gold ${gold} got ${got}: ${r.body.slice(0, 90).replace(/\s+/g, ' ')}\n`,
        );
      }
    });
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));

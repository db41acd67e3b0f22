import type { Category, Priority } from '@relaydesk/contracts';
import { createClassifier, type LabelledInquiry } from '../classifier';
import { formatReport, scoreField, stratifiedFolds } from '../evaluation';
import { argValue, readJsonl } from './jsonl';

interface Row extends LabelledInquiry {
  id?: string;
  language: string;
}

const USAGE =
  'usage: npm run -s classify:eval -- --input FILE.jsonl [--cv K] [--with-model] [--tie-break MARGIN] [--train FILE.jsonl] [--errors]';

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

function main(args: string[]): number {
  const input = argValue(args, '--input');
  if (!input) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const rows = readRows(input);
  // --train FILE: the n-gram models learn from FILE instead of the shipped set (e.g. one half of the dev
  // file, the other half measured).
  const trainPath = argValue(args, '--train');
  const trainingSet = trainPath ? readRows(trainPath) : undefined;
  // --tie-break MARGIN: the n-gram model only breaks near-ties between low and normal (off by default).
  const lowNormalTieBreak = Number(argValue(args, '--tie-break') ?? 0);
  const k = Number(argValue(args, '--cv') ?? 0);
  // --with-model blends in the n-gram model trained on the other folds (off by default).
  const modelWeight = args.includes('--with-model') ? 1 : undefined;
  const priorityModelWeight = modelWeight;
  const predicted: { category: Category; priority: Priority; language: string }[] = [];
  if (k >= 2) {
    // Each line is classified by a model that never saw it.
    const folds = stratifiedFolds(rows, k, (r) => r.category);
    for (let f = 0; f < k; f++) {
      const classifier = createClassifier({
        trainingSet: rows.filter((_, i) => folds[i] !== f),
        modelWeight,
        lowNormalTieBreak,
        priorityModelWeight,
        labelsOnly: true,
      });
      rows.forEach((r, i) => {
        if (folds[i] === f) predicted[i] = classifier.classify(r);
      });
    }
    process.stdout.write(`${k}-fold stratified cross-validation over ${rows.length} lines\n\n`);
  } else {
    const classifier = createClassifier({
      trainingSet,
      modelWeight,
      priorityModelWeight,
      lowNormalTieBreak,
      labelsOnly: true,
    });
    rows.forEach((r, i) => (predicted[i] = classifier.classify(r)));
    const model = trainPath ? `model trained on ${trainPath}` : 'shipped model';
    process.stdout.write(`${rows.length} lines, ${model} (not cross-validated)\n\n`);
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

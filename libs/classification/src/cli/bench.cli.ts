import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClassifier, type ClassifierInput } from '../classifier';
import { argValue } from './jsonl';

// The dev texts shipped with the lib; --input FILE.jsonl benchmarks other texts.
const DEFAULT_INPUT = join(__dirname, '..', 'model', 'training-set.json');

function loadTexts(path: string): ClassifierInput[] {
  const text = readFileSync(path, 'utf8');
  const rows = path.endsWith('.json')
    ? (JSON.parse(text) as ClassifierInput[])
    : text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as ClassifierInput);
  return rows.map((r) => ({ channel: r.channel, subject: r.subject, body: r.body }));
}

function run(
  classify: (i: ClassifierInput) => unknown,
  texts: ClassifierInput[],
  seconds: number,
): { count: number; elapsed: number; cpu: number } {
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let count = 0;
  while (process.hrtime.bigint() < deadline) {
    for (const t of texts) classify(t);
    count += texts.length;
  }
  const cpuUsed = process.cpuUsage(cpuStart);
  return {
    count,
    elapsed: Number(process.hrtime.bigint() - start) / 1e9,
    cpu: (cpuUsed.user + cpuUsed.system) / 1e6,
  };
}

function main(args: string[]): number {
  const texts = loadTexts(argValue(args, '--input') ?? DEFAULT_INPUT);
  const seconds = Number(argValue(args, '--seconds') ?? 5);
  const t0 = process.hrtime.bigint();
  const classifier = createClassifier();
  const startupMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const classify = (i: ClassifierInput) => classifier.classify(i);
  run(classify, texts, 1); // warm-up: lets V8 optimise the hot paths before we measure
  const { count, elapsed, cpu } = run(classify, texts, seconds);
  const perSecond = count / elapsed;
  // On a shared machine wall time includes waiting for a core; CPU time is what the process itself spent.
  const perCpuSecond = count / cpu;
  process.stdout.write(
    `classifier ${classifier.version}: ${count} classifications of ${texts.length} texts in ${elapsed.toFixed(2)} s (one process)\n` +
      `throughput ${Math.round(perSecond)}/s wall clock, ${Math.round(perCpuSecond)}/s per CPU second; ` +
      `mean ${(1000 / perSecond).toFixed(3)} ms each; start-up (lexicons, models trained, article index) ${startupMs.toFixed(0)} ms\n`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));

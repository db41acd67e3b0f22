import { createClassifier } from '../classifier';
import { argValue, readJsonl } from './jsonl';

const USAGE = 'usage: npm run -s classify -- --input FILE.jsonl   (use --input - for stdin)';

interface InputLine {
  id?: unknown;
  channel?: unknown;
  subject?: unknown;
  body?: unknown;
}

function problemWith(v: InputLine | undefined): string | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'expected a JSON object';
  if (typeof v.body !== 'string') return '"body" must be a string';
  if (v.subject !== undefined && v.subject !== null && typeof v.subject !== 'string')
    return '"subject" must be a string';
  if (v.channel !== undefined && v.channel !== null && typeof v.channel !== 'string')
    return '"channel" must be a string';
  return undefined;
}

function main(args: string[]): number {
  const input = argValue(args, '--input');
  if (!input) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const classifier = createClassifier();
  let bad = 0;
  const out: string[] = [];
  for (const line of readJsonl(input)) {
    const v = line.value as InputLine | undefined;
    const problem = line.error ?? problemWith(v);
    if (problem || !v) {
      bad++;
      process.stderr.write(`line ${line.lineNumber}: ${problem}\n`);
      continue;
    }
    const result = classifier.classify({
      channel: typeof v.channel === 'string' ? v.channel : undefined,
      subject: typeof v.subject === 'string' ? v.subject : undefined,
      body: v.body as string,
    });
    out.push(
      JSON.stringify({
        id: v.id ?? null,
        category: result.category,
        priority: result.priority,
        language: result.language,
        confidence: result.confidence,
      }),
    );
  }
  if (out.length) process.stdout.write(`${out.join('\n')}\n`);
  return bad > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));

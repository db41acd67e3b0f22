import { readFileSync } from 'node:fs';

export interface JsonlLine {
  lineNumber: number;
  value?: unknown;
  error?: string;
}

/** Reads a JSONL file ("-" for stdin); blank lines are skipped, bad lines are reported, not thrown. */
export function readJsonl(path: string): JsonlLine[] {
  const text = readFileSync(path === '-' ? 0 : path, 'utf8');
  const lines: JsonlLine[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    try {
      lines.push({ lineNumber: i + 1, value: JSON.parse(line) as unknown });
    } catch (error) {
      lines.push({ lineNumber: i + 1, error: `invalid JSON (${(error as Error).message})` });
    }
  });
  return lines;
}

export function argValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/**
 * Summarises a `.cpuprofile` (from `node --cpu-prof`): top functions by self time and, for functions of
 * this repository (`apps/`, `libs/`), inclusive time; optionally only between two monotonic timestamps
 * (µs, as the assignment bench prints them on stderr: `mark <phase> <µs>`).
 *
 *   node -r @swc-node/register apps/assignment/bench/cpuprofile-summary.ts FILE [fromUs toUs] [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

function main(): void {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string' } },
  });
  const [file, from, to] = positionals;
  if (!file) throw new Error('usage: cpuprofile-summary FILE [fromUs toUs] [--top N]');
  const top = Number(values.top ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const label = (node: ProfileNode) => {
    const url = node.callFrame.url
      .replace(/^file:\/\//, '')
      .replace(/^.*?\/(apps|libs|node_modules)\//, '$1/');
    return `${node.callFrame.functionName || '(anonymous)'} ${url}:${node.callFrame.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let time = profile.startTime;
  let total = 0;
  for (let index = 0; index < profile.samples.length; index++) {
    time += profile.timeDeltas[index];
    if (from && (time < Number(from) || time > Number(to))) continue;
    const delta = profile.timeDeltas[index + 1] ?? 0;
    total += delta;
    const leaf = nodes.get(profile.samples[index])!;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + delta);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const node = nodes.get(id)!;
      if (!/(^|\/)(apps|libs)\//.test(node.callFrame.url) || node.callFrame.url.includes('node_modules'))
        continue;
      const name = label(node);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + delta);
    }
  }
  const print = (title: string, entries: Map<string, number>) => {
    process.stdout.write(`${title}\n`);
    for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top))
      process.stdout.write(
        `${((100 * micros) / total).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${name}\n`,
      );
  };
  process.stdout.write(`sampled ${(total / 1000).toFixed(0)} ms\n`);
  print('self time', self);
  print('inclusive time, functions of apps/ and libs/', inclusive);
}

main();

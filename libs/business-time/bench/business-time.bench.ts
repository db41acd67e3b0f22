/**
 * Microbenchmark: node -r @swc-node/register libs/business-time/bench/business-time.bench.ts
 * Arms the clocks the sla-timer service would arm: 100,000 inquiries with starts spread over two
 * weeks, both clocks (warnAt + dueAt) per inquiry, and long business-time targets.
 */
import { addBusinessTime, computeDeadlinesFor, DEFAULT_POLICY_DOCUMENT, resolvePolicy } from '../src/index';

const N = 100_000;
const START = Date.parse('2026-12-01T00:00:00Z');
const TWO_WEEKS = 14 * 86_400_000;
const starts = Array.from(
  { length: N },
  (_, i) => new Date(START + Math.floor(((i * 7919) % N) * (TWO_WEEKS / N))),
);

function time(label: string, run: () => void): void {
  const t0 = process.hrtime.bigint();
  run();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(
    `${label.padEnd(58)} ${ms.toFixed(0).padStart(6)} ms total  ${((ms * 1000) / N).toFixed(2).padStart(7)} µs/op`,
  );
}

const business = resolvePolicy(DEFAULT_POLICY_DOCUMENT, 'low', 'standard').calendar;
const pauses = [{ from: new Date(START + 86_400_000), to: new Date(START + 3 * 86_400_000) }];

for (const round of ['first (cold day cache)', 'second (warm)']) {
  console.log(`-- ${round}`);
  time('computeDeadlinesFor low/standard (72 h business ≈ 2 weeks)', () => {
    for (const startedAt of starts)
      computeDeadlinesFor(DEFAULT_POLICY_DOCUMENT, { priority: 'low', tier: 'standard', startedAt });
  });
  time('computeDeadlinesFor normal/vip with a pause', () => {
    for (const startedAt of starts)
      computeDeadlinesFor(DEFAULT_POLICY_DOCUMENT, { priority: 'normal', tier: 'vip', startedAt, pauses });
  });
  time('addBusinessTime 135 h business (3 weeks of office hours)', () => {
    for (const startedAt of starts) addBusinessTime(business, startedAt, 135 * 3600);
  });
  time('computeDeadlinesFor urgent/standard (24x7)', () => {
    for (const startedAt of starts)
      computeDeadlinesFor(DEFAULT_POLICY_DOCUMENT, { priority: 'urgent', tier: 'standard', startedAt });
  });
}

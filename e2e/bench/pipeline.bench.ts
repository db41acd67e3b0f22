// npm run -s bench -- --count N --rate R --json FILE
// Drives N inquiries at R per second through the running pipeline (starting it if it is not running,
// bringing online the agents it needs), waits for each to be assigned and acknowledged, prints a
// progress bar and a summary, and writes the figures of API.md to FILE.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PipelineObserver } from '../src/support/observer';
import {
  AgentClient,
  ALL_LANGUAGES,
  ALL_SKILLS,
  ensurePipeline,
  IntakeClient,
  percentiles,
  stopPipeline,
  WORKSPACE,
} from '../src/support/pipeline';
import { loadLabelledInquiries, toInquiry } from '../src/support/samples';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '100' },
    json: { type: 'string' },
    agents: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '64' },
    'settle-seconds': { type: 'string', default: '60' },
  },
});

const count = Number(args.count);
const rate = Number(args.rate);
const agentCount = Number(args.agents);
const concurrency = Number(args.concurrency);
const settleMs = Number(args['settle-seconds']) * 1000;
if (!(count > 0 && rate > 0 && agentCount > 0 && concurrency > 0)) {
  process.stderr.write('usage: npm run -s bench -- --count N --rate R [--json FILE] [--agents 50]\n');
  process.exit(2);
}

function bar(label: string, done: number, total: number, extra = ''): void {
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  const line = `${label.padEnd(12)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(done).padStart(6)}/${total} ${extra}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}`);
  else process.stderr.write(`${line}\n`);
}

async function main(): Promise<void> {
  const started = await ensurePipeline();
  const runId = `bench-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const intake = new IntakeClient();
  const agents = new AgentClient();
  const observer = new PipelineObserver();
  try {
    // Agents who can take anything: the benchmark measures the pipeline, not a staffing shortage.
    const capacity = Math.ceil((count / agentCount) * 1.5) + 10;
    for (let index = 0; index < agentCount; index++) {
      await agents.online(`${runId}-agent-${index}`, {
        name: `Bench agent ${index}`,
        languages: ALL_LANGUAGES,
        skills: ALL_SKILLS,
        capacity,
        tier: index % 5 === 0 ? 'senior' : 'standard',
      });
    }
    await observer.start();

    const samples = loadLabelledInquiries(WORKSPACE);
    let sent = 0;
    let accepted = 0;
    const failures = new Map<number, number>();
    const startedAt = Date.now();
    const interval = 1000 / rate;
    let inFlight = 0;
    const sending: Promise<void>[] = [];
    for (let index = 0; index < count; index++) {
      const due = startedAt + index * interval;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      while (inFlight >= concurrency) await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight++;
      sent++;
      sending.push(
        intake
          .post(toInquiry(samples[index % samples.length], runId, index))
          .then((answer) => {
            if (answer.status === 202) {
              accepted++;
              observer.trace(answer.inquiryId).acceptedAt ??= Date.now();
            } else failures.set(answer.status, (failures.get(answer.status) ?? 0) + 1);
          })
          .catch(() => {
            failures.set(0, (failures.get(0) ?? 0) + 1);
          })
          .finally(() => {
            inFlight--;
          }),
      );
      if (index % 50 === 0) bar('sending', sent, count, `accepted ${accepted}`);
    }
    await Promise.all(sending);
    const sendSeconds = (Date.now() - startedAt) / 1000;
    bar('sending', sent, count, `accepted ${accepted} in ${sendSeconds.toFixed(1)} s\n`);

    const traces = () => [...observer.traces.values()];
    const complete = () => traces().filter((trace) => trace.assignedAt && trace.acknowledgedAt).length;
    const settleDeadline = Date.now() + settleMs;
    while (complete() < accepted && Date.now() < settleDeadline) {
      bar(
        'completing',
        complete(),
        accepted,
        `assigned ${traces().filter((t) => t.assignedAt).length}, acknowledged ${traces().filter((t) => t.acknowledgedAt).length}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    bar('completing', complete(), accepted, '\n');
    const finishedAt = Math.max(
      ...traces().map((trace) => Math.max(trace.assignedAt ?? 0, trace.acknowledgedAt ?? 0)),
      startedAt,
    );

    const all = traces();
    const latency = (pick: (trace: (typeof all)[number]) => number | undefined) =>
      percentiles(
        all.flatMap((trace) =>
          pick(trace) !== undefined && trace.acceptedAt ? [pick(trace)! - trace.acceptedAt] : [],
        ),
      );
    const assigned = all.filter((trace) => trace.assignedAt).length;
    const acknowledged = all.filter((trace) => trace.acknowledgedAt).length;
    const durationSeconds = (finishedAt - startedAt) / 1000;
    const summary = {
      sent,
      accepted,
      assigned,
      acknowledged,
      lost: all.filter((trace) => !trace.assignedAt || !trace.acknowledgedAt).length,
      duplicateAssignments: all.reduce(
        (sum, trace) => sum + Math.max(0, trace.assignments - 1 - trace.requeues),
        0,
      ),
      duplicateNotifications: all.reduce(
        (sum, trace) =>
          sum + [...trace.deliveries.values()].reduce((inner, times) => inner + Math.max(0, times - 1), 0),
        0,
      ),
      durationSeconds: Number(durationSeconds.toFixed(2)),
      throughputPerSecond: Number((assigned / Math.max(durationSeconds, 0.001)).toFixed(1)),
      latencyMs: {
        classified: latency((trace) => trace.classifiedAt),
        assigned: latency((trace) => trace.assignedAt),
        acknowledged: latency((trace) => trace.acknowledgedAt),
      },
    };
    const lines = [
      `relaydesk benchmark: ${count} inquiries at ${rate}/s, ${agentCount} agents`,
      `  accepted ${accepted}/${sent}${failures.size ? ` (refused: ${[...failures].map(([status, n]) => `${status || 'network'} x${n}`).join(', ')})` : ''}`,
      `  assigned ${assigned}, acknowledged ${acknowledged}, lost ${summary.lost}`,
      `  duplicate assignments ${summary.duplicateAssignments}, duplicate notifications ${summary.duplicateNotifications}`,
      `  ${summary.throughputPerSecond} assignments/s over ${summary.durationSeconds} s`,
      ...(['classified', 'assigned', 'acknowledged'] as const).map(
        (stage) =>
          `  acceptance -> ${stage.padEnd(12)} p50 ${summary.latencyMs[stage].p50} ms  p95 ${summary.latencyMs[stage].p95} ms  p99 ${summary.latencyMs[stage].p99} ms`,
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (args.json) writeFileSync(args.json, `${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    await observer.stop();
    await stopPipeline(started);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

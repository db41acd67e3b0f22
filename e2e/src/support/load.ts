import { PipelineObserver } from './observer';
import { AgentClient, ALL_LANGUAGES, ALL_SKILLS, IntakeClient, percentiles } from './pipeline';
import { type LabelledInquiry, toInquiry } from './samples';

export interface LoadOptions {
  runId: string;
  count: number;
  rate: number;
  agents: number;
  concurrency: number;
  settleMs: number;
  samples: LabelledInquiry[];
  intake: IntakeClient;
  agentClient: AgentClient;
  observer: PipelineObserver;
  /** Called about once a second while sending, with the seconds since the start. */
  onTick?: (elapsedSeconds: number) => Promise<void> | void;
}

/** The figures of API.md's `bench` command. */
export interface LoadSummary {
  sent: number;
  accepted: number;
  assigned: number;
  acknowledged: number;
  lost: number;
  duplicateAssignments: number;
  duplicateNotifications: number;
  durationSeconds: number;
  throughputPerSecond: number;
  latencyMs: Record<'classified' | 'assigned' | 'acknowledged', { p50: number; p95: number; p99: number }>;
}

export function progress(label: string, done: number, total: number, extra = ''): void {
  const width = 30;
  const filled = Math.min(width, Math.round((done / Math.max(total, 1)) * width));
  const line = `${label.padEnd(12)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(done).padStart(6)}/${total} ${extra}`;
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
  else process.stderr.write(`${line}\n`);
}

/** Agents who can take anything: a load run measures the pipeline, not a staffing shortage. */
export async function bringAgentsOnline(
  options: Pick<LoadOptions, 'runId' | 'count' | 'agents' | 'agentClient'>,
): Promise<void> {
  const capacity = Math.ceil((options.count / options.agents) * 1.5) + 10;
  for (let index = 0; index < options.agents; index++) {
    await options.agentClient.online(`${options.runId}-agent-${index}`, {
      name: `Load agent ${index}`,
      languages: ALL_LANGUAGES,
      skills: ALL_SKILLS,
      capacity,
      tier: index % 5 === 0 ? 'senior' : 'standard',
    });
  }
}

/**
 * Sends `count` signed inquiries at `rate` per second, then waits until each is assigned and
 * acknowledged (or `settleMs` passes), and sums up what the observer saw.
 */
export async function runLoad(
  options: LoadOptions,
): Promise<{ summary: LoadSummary; refused: Map<number, number>; lastSentAt: number }> {
  const { count, rate, concurrency, intake, observer, samples } = options;
  let sent = 0;
  let accepted = 0;
  let inFlight = 0;
  const refused = new Map<number, number>();
  const startedAt = Date.now();
  const interval = 1000 / rate;
  const sending: Promise<void>[] = [];
  let nextTick = startedAt + 1000;
  for (let index = 0; index < count; index++) {
    const wait = startedAt + index * interval - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    while (inFlight >= concurrency) await new Promise((resolve) => setTimeout(resolve, 1));
    if (Date.now() >= nextTick) {
      nextTick += 1000;
      await options.onTick?.((Date.now() - startedAt) / 1000);
    }
    inFlight++;
    sent++;
    sending.push(
      intake
        .post(toInquiry(samples[index % samples.length], options.runId, index))
        .then((answer) => {
          if (answer.httpStatus === 202) {
            accepted++;
            observer.trace(answer.inquiryId).acceptedAt ??= Date.now();
          } else refused.set(answer.httpStatus, (refused.get(answer.httpStatus) ?? 0) + 1);
        })
        .catch(() => {
          refused.set(0, (refused.get(0) ?? 0) + 1);
        })
        .finally(() => {
          inFlight--;
        }),
    );
    if (index % 50 === 0) progress('sending', sent, count, `accepted ${accepted}`);
  }
  await Promise.all(sending);
  const lastSentAt = Date.now();
  progress(
    'sending',
    sent,
    count,
    `accepted ${accepted} in ${((lastSentAt - startedAt) / 1000).toFixed(1)} s\n`,
  );

  const traces = () => [...observer.traces.values()];
  const complete = () => traces().filter((trace) => trace.assignedAt && trace.acknowledgedAt).length;
  const deadline = Date.now() + options.settleMs;
  while (complete() < accepted && Date.now() < deadline) {
    const all = traces();
    progress(
      'completing',
      complete(),
      accepted,
      `classified ${all.filter((t) => t.classifiedAt).length}, assigned ${all.filter((t) => t.assignedAt).length}, acknowledged ${all.filter((t) => t.acknowledgedAt).length}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  progress('completing', complete(), accepted, '\n');

  const all = traces();
  const finishedAt = Math.max(
    startedAt,
    ...all.map((trace) => Math.max(trace.assignedAt ?? 0, trace.acknowledgedAt ?? 0)),
  );
  const latency = (pick: (trace: (typeof all)[number]) => number | undefined) =>
    percentiles(
      all.flatMap((trace) => {
        const at = pick(trace);
        return at !== undefined && trace.acceptedAt ? [at - trace.acceptedAt] : [];
      }),
    );
  const assigned = all.filter((trace) => trace.assignedAt).length;
  const durationSeconds = (finishedAt - startedAt) / 1000;
  return {
    lastSentAt,
    refused,
    summary: {
      sent,
      accepted,
      assigned,
      acknowledged: all.filter((trace) => trace.acknowledgedAt).length,
      lost: all.filter((trace) => !trace.assignedAt || !trace.acknowledgedAt).length,
      // A requeue (agent offline, no reply) legitimately assigns again; anything beyond is a duplicate.
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
    },
  };
}

export function describeSummary(summary: LoadSummary, refused: Map<number, number>): string {
  return [
    `  accepted ${summary.accepted}/${summary.sent}${refused.size ? ` (refused: ${[...refused].map(([status, n]) => `${status || 'network'} x${n}`).join(', ')})` : ''}`,
    `  assigned ${summary.assigned}, acknowledged ${summary.acknowledged}, lost ${summary.lost} (not both assigned and acknowledged by the end of the settle window)`,
    `  duplicate assignments ${summary.duplicateAssignments}, duplicate notifications ${summary.duplicateNotifications}`,
    `  ${summary.throughputPerSecond} assignments/s over ${summary.durationSeconds} s`,
    ...(['classified', 'assigned', 'acknowledged'] as const).map(
      (stage) =>
        `  acceptance -> ${stage.padEnd(12)} p50 ${summary.latencyMs[stage].p50} ms  p95 ${summary.latencyMs[stage].p95} ms  p99 ${summary.latencyMs[stage].p99} ms`,
    ),
  ].join('\n');
}

/**
 * Benchmark of signed adapter posts: `npm run -s bench:intake -- [--concurrency 32] [--count 10000] [--warmup 500]`
 * (`--floor`: the same load on floor.server.ts instead, see there).
 *
 * Starts its own intake as a child process (main.ts, as in production) on its own schema, topic prefix
 * and Redis prefix against the real Postgres, Kafka and Redis, drives a fixed number of distinct signed
 * posts at a fixed concurrency over keep-alive connections, and prints accepted inquiries per second and
 * the latency percentiles seen by the client. It also reports how long the outbox relay and the timeline
 * consumer took to catch up, then removes what it created.
 */
import {
  cleanUpRun,
  freePort,
  isolatedEnv,
  testRunId,
  waitFor,
  waitForExit,
  withPg,
  loadAverage,
  processCpuMs,
  spawnTs,
  waitForLine,
} from '@relaydesk/testing';
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { signAdapterRequest } from '../src/adapters/adapter-signature';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const CONCURRENCY = option('concurrency', 32);
const COUNT = option('count', 10_000);
const WARMUP = option('warmup', 500);
const CHANNELS = ['form', 'email', 'social', 'chat'] as const;

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(port: number, raw: string): Promise<number> {
  const timestamp = Math.floor(Date.now() / 1000);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/inquiries',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(raw),
          'x-relaydesk-adapter': 'demo',
          'x-relaydesk-timestamp': String(timestamp),
          'x-relaydesk-signature': signAdapterRequest('demo-secret', timestamp, raw),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(raw);
  });
}

function inquiry(index: number): string {
  const channel = CHANNELS[index % CHANNELS.length];
  return JSON.stringify({
    channel,
    externalId: `bench-${randomUUID()}`,
    ...(index % 3 === 0 ? { threadId: `bench-thread-${randomUUID()}` } : {}),
    customer: {
      id: `bench-customer-${index}`,
      email: `customer${index}@example.com`,
      tier: index % 10 ? 'standard' : 'vip',
    },
    subject: 'Withdrawal pending',
    body: `My BTC withdrawal #${index} has been pending for 3 hours. TxID 3f5a9c… Can you check? 🙏`,
  });
}

async function drive(
  port: number,
  count: number,
): Promise<{ latencies: number[]; statuses: Map<number, number>; seconds: number }> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const raw = inquiry(next++);
        const t0 = process.hrtime.bigint();
        const status = await post(port, raw).catch(() => 0);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  return { latencies, statuses, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/**
 * main.ts as a child process, as in production. `BENCH_INTAKE_NODE_ARGS` are given to its node, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the service rather than the load generator (node
 * refuses --cpu-prof in NODE_OPTIONS).
 */
function startIntake(env: Record<string, string>): ChildProcess {
  const nodeArgs = (process.env['BENCH_INTAKE_NODE_ARGS'] ?? '').split(' ').filter((arg) => arg !== '');
  const workspace = path.resolve(__dirname, '../../..');
  const child = spawn(
    process.execPath,
    [...nodeArgs, '-r', '@swc-node/register', path.join(workspace, 'apps/intake/src/main.ts')],
    { cwd: workspace, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr?.setEncoding('utf8');
  child.stdout?.resume();
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal === null) process.stderr.write(`intake exited with ${code}\n`);
  });
  return child;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** Drives an intake that is already running (e.g. under a profiler): `--port N`, no catch-up figures. */
async function driveRunning(port: number): Promise<void> {
  await drive(port, WARMUP);
  const { latencies, statuses, seconds } = await drive(port, COUNT);
  const sorted = latencies.sort((a, b) => a - b);
  console.log(
    `accepted/s ${Math.round((statuses.get(202) ?? 0) / seconds)}  p50 ${percentile(sorted, 50).toFixed(1)} ms  ` +
      `p95 ${percentile(sorted, 95).toFixed(1)} ms  p99 ${percentile(sorted, 99).toFixed(1)} ms  ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
  agent.destroy();
}

/**
 * `--floor`: the same warm-up and load on floor.server.ts, on node:http alone and as a bare NestJS app:
 * what one insert and a 202 cost on this machine before intake does any of its own work.
 */
async function driveFloors(): Promise<void> {
  const runId = testRunId();
  try {
    for (const mode of ['raw', 'nest'] as const) {
      const port = await freePort();
      const child = spawnTs('apps/intake/bench/floor.server.ts', [mode], {
        PORT: String(port),
        DB_SCHEMA: `${runId}_floor_${mode}`,
      });
      try {
        await waitForLine(child, /floor .* ready/);
        await drive(port, WARMUP);
        const loadBefore = loadAverage();
        const cpuBefore = processCpuMs(child.pid!);
        const { latencies, statuses, seconds } = await drive(port, COUNT);
        const cpuMsPerPost = (processCpuMs(child.pid!) - cpuBefore) / COUNT;
        const sorted = latencies.sort((a, b) => a - b);
        console.log(
          `floor ${mode === 'raw' ? 'node:http' : 'NestJS (Express)'}: ${COUNT} posts at concurrency ${CONCURRENCY}\n` +
            `  accepted/s ${Math.round((statuses.get(202) ?? 0) / seconds)}   p50 ${percentile(sorted, 50).toFixed(1)} ms   ` +
            `p99 ${percentile(sorted, 99).toFixed(1)} ms   server CPU ${cpuMsPerPost.toFixed(2)} ms per post   ` +
            `statuses ${JSON.stringify(Object.fromEntries(statuses))}   load average ${loadBefore} before, ${loadAverage()} after`,
        );
      } finally {
        child.kill('SIGTERM');
        await waitForExit(child, 10_000).catch(() => child.kill('SIGKILL'));
      }
    }
  } finally {
    agent.destroy();
    await cleanUpRun(runId);
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--port')) return driveRunning(option('port', 3001));
  if (process.argv.includes('--floor')) return driveFloors();
  const runId = testRunId();
  const env = isolatedEnv(runId, 'intake');
  const port = await freePort();
  const child = startIntake({
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env['BENCH_INTAKE_LOG_LEVEL'] ?? 'warn',
    NODE_ENV: 'development',
    ADAPTER_RATE_LIMIT_PER_SECOND: '1000000',
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: string) => (stderr += chunk));
  try {
    await waitFor(
      async () =>
        (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200,
      { timeoutMs: 300_000, intervalMs: 250, what: `intake ready (stderr: ${stderr.slice(-500)})` },
    );
    await drive(port, WARMUP);
    const loadBefore = loadAverage();
    const cpuBefore = processCpuMs(child.pid!) / 1000;
    const { latencies, statuses, seconds } = await drive(port, COUNT);
    const intakeCpuSeconds = processCpuMs(child.pid!) / 1000 - cpuBefore;
    const loadAfter = loadAverage();
    const accepted = statuses.get(202) ?? 0;
    const sorted = latencies.sort((a, b) => a - b);
    const drainStarted = Date.now();
    const schema = env['DB_SCHEMA'];
    const lag = async () =>
      withPg(async (client) => {
        const { rows } = await client.query<{ outbox: number; untracked: number }>(
          `SELECT (SELECT count(*)::int FROM "${schema}".outbox) AS outbox,
                  (SELECT count(*)::int FROM "${schema}".inquiries WHERE timeline_seq = 0) AS untracked`,
        );
        return rows[0];
      });
    const atEnd = await lag();
    await waitFor(
      async () => {
        const current = await lag();
        return current.outbox === 0 && current.untracked === 0;
      },
      { timeoutMs: 300_000, intervalMs: 200, what: 'outbox and timeline to catch up' },
    );
    const totalCpuSeconds = processCpuMs(child.pid!) / 1000 - cpuBefore;
    const result = {
      concurrency: CONCURRENCY,
      posts: COUNT,
      statuses: Object.fromEntries(statuses),
      acceptedPerSecond: Math.round(accepted / seconds),
      latencyMs: {
        p50: +percentile(sorted, 50).toFixed(1),
        p95: +percentile(sorted, 95).toFixed(1),
        p99: +percentile(sorted, 99).toFixed(1),
        max: +sorted[sorted.length - 1].toFixed(1),
      },
      intakeCpuMsPerPost: +((intakeCpuSeconds * 1000) / COUNT).toFixed(2),
      intakeCpuMsPerPostWithCatchUp: +((totalCpuSeconds * 1000) / COUNT).toFixed(2),
      intakeCpuShare: +(intakeCpuSeconds / seconds).toFixed(2),
      loadAverage: { before: loadBefore, after: loadAfter },
      backlogAtEnd: atEnd,
      catchUpSeconds: +((Date.now() - drainStarted) / 1000).toFixed(1),
    };
    console.log(
      `intake: ${COUNT} signed posts at concurrency ${CONCURRENCY} in ${seconds.toFixed(1)} s\n` +
        `  accepted/s ${result.acceptedPerSecond}   p50 ${result.latencyMs.p50} ms   p95 ${result.latencyMs.p95} ms   ` +
        `p99 ${result.latencyMs.p99} ms   max ${result.latencyMs.max} ms\n` +
        `  statuses ${JSON.stringify(result.statuses)}\n` +
        `  intake CPU ${result.intakeCpuMsPerPost} ms per post while posting (${result.intakeCpuShare} of a core), ` +
        `${result.intakeCpuMsPerPostWithCatchUp} ms with the relay and timeline catch-up; ` +
        `load average ${loadBefore} before, ${loadAfter} after\n` +
        `  at the end: ${atEnd.outbox} events waiting in the outbox, ${atEnd.untracked} inquiries not yet on the timeline; ` +
        `caught up ${result.catchUpSeconds} s later`,
    );
    console.log(JSON.stringify(result));
  } finally {
    child.kill('SIGTERM');
    await waitForExit(child, 20_000).catch(() => child.kill('SIGKILL'));
    agent.destroy();
    await cleanUpRun(runId);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:intake failed: ${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});

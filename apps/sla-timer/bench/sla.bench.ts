/**
 * Arms N SLA clocks (N/2 inquiries x 2 clocks, 4 timers each inquiry) through the service's real path —
 * `inquiry.classified.v1` events on Kafka, consumed by `main.ts` running as a child process (Postgres
 * transaction per consumer batch, outbox, BullMQ) — with deadlines spread over a few minutes, then waits
 * for every breach. Prints:
 *
 * - arming throughput: clocks stored in Postgres, per second, from the first event sent (their ticks
 *   are added to BullMQ right after each consumer batch commits);
 * - how late each breach fired (`breachedAt - dueAt` as stored): p50/p95/p99/max;
 * - per clock, how many `sla.breached.v1` / `sla.warning.v1` events reached Kafka: exactly once, twice
 *   or more, missing;
 * - CPU time of the service process (/proc/<pid>/stat: less noisy than wall time on a shared machine)
 *   per clock armed and per timer fired, and the load average.
 *
 *   npm run bench:sla -- [--count 100000] [--spread-seconds 180] [--lead-seconds 240] [--profile DIR]
 *
 * `--lead-seconds` is the time between the first event sent and the first deadline: arming must fit in
 * it, or early deadlines are already due when armed (the output says so). `--profile DIR` runs the
 * service with `--cpu-prof` (the profile is written to DIR when it exits).
 *
 * Runs on a private redis-server (FLUSHALL-safe) and its own Postgres schema and topic prefix.
 */
import { type PayloadInputOf, Topic } from '@relaydesk/contracts';
import {
  cleanUpRun,
  freePort,
  isolatedEnv,
  spawnTs,
  testRunId,
  TopicReader,
  waitFor,
  waitForExit,
  withPg,
  loadAverage,
  processCpuMs,
  startPrivateRedis,
} from '@relaydesk/testing';
import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { SLA_DEADLINE_QUEUE } from '../src/timers/deadline.timers';
import { classified, EventSender, putPolicy, shortPolicy } from '../test/sla-harness';

const WORKSPACE = path.resolve(__dirname, '../../..');

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

function textFlag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const clocks = flag('count', 100_000);
  const spread = flag('spread-seconds', 180);
  const lead = flag('lead-seconds', 240);
  const profileDir = textFlag('profile');
  const inquiries = Math.ceil(clocks / 2);
  const privateRedis = await startPrivateRedis();
  const runId = testRunId();
  const port = await freePort();
  const env: Record<string, string> = {
    ...isolatedEnv(runId, 'sla-timer'),
    KAFKA_PARTITIONS: '6',
    REDIS_URL: privateRedis.url,
    LOG_LEVEL: 'warn',
    PORT: String(port),
  };
  const schema = env['DB_SCHEMA'];
  const prefix = env['KAFKA_TOPIC_PREFIX'];
  const url = `http://127.0.0.1:${port}`;
  const redis = new Redis(env['REDIS_URL']);
  const child = profileDir
    ? spawn(
        process.execPath,
        [
          '--cpu-prof',
          `--cpu-prof-dir=${profileDir}`,
          '-r',
          '@swc-node/register',
          'apps/sla-timer/src/main.ts',
        ],
        { cwd: WORKSPACE, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
      )
    : spawnTs('apps/sla-timer/src/main.ts', [], env);
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  // Drained (a full pipe would block the service); its warnings go to our stderr.
  child.stdout?.on('data', (chunk: string) => process.stderr.write(chunk));
  child.stderr?.on('data', (chunk: string) => process.stderr.write(chunk));
  let reader: TopicReader | undefined;
  let sender: EventSender | undefined;
  try {
    await waitFor(
      async () => (await fetch(`${url}/health/ready`).catch(() => undefined))?.status === 200 || undefined,
      { timeoutMs: 120_000, intervalMs: 250, what: 'sla-timer ready' },
    );
    const pid = child.pid as number;
    // first response due at start + target; resolution 15 s later; no escalation (one breach per clock).
    const target = spread + lead;
    const doc = shortPolicy({ urgent: target, high: target, normal: target, low: target }, 0);
    for (const policy of doc.policies) {
      policy.resolutionSeconds = target + 15;
      policy.warnAtPercent = 90;
    }
    const response = await putPolicy(url, doc);
    if (response.status !== 200) throw new Error(`PUT policy: ${response.status} ${await response.text()}`);
    reader = await TopicReader.start([`${prefix}${Topic.SlaBreached}`, `${prefix}${Topic.SlaWarning}`]);
    sender = await EventSender.connect(prefix);
    log(`load average at start: ${loadAverage()}`);

    const t0 = Date.now();
    const cpu0 = processCpuMs(pid);
    const payloads: PayloadInputOf<typeof Topic.InquiryClassified>[] = [];
    for (let i = 0; i < inquiries; i++) {
      // Started in the past so that the first-response due time is t0 + lead + U(0, spread).
      const startedAt = new Date(t0 + lead * 1000 + Math.random() * spread * 1000 - target * 1000);
      payloads.push(classified(randomUUID(), 'normal', startedAt));
    }
    await sender.send(Topic.InquiryClassified, payloads);
    const sentSeconds = (Date.now() - t0) / 1000;

    const timers = inquiries * 4;
    const queueKey = `${env['REDIS_KEY_PREFIX']}:${SLA_DEADLINE_QUEUE}`;
    const progress = async () => {
      const [row] = await withPg((c) =>
        c
          .query<{ stored: string; fired: string; running: string }>(
            `SELECT count(*) AS stored,
                    count(*) FILTER (WHERE warned_at IS NOT NULL) + count(*) FILTER (WHERE state = 'breached') AS fired,
                    count(*) FILTER (WHERE state = 'running') AS running
               FROM "${schema}".sla_clocks`,
          )
          .then((r) => r.rows),
      );
      const [delayed, waiting, active] = await Promise.all([
        redis.zcard(`${queueKey}:delayed`),
        redis.llen(`${queueKey}:wait`),
        redis.llen(`${queueKey}:active`),
      ]);
      return {
        stored: Number(row.stored),
        fired: Number(row.fired),
        running: Number(row.running),
        queued: delayed + waiting + active,
      };
    };
    let shown = 0;
    // Armed: every clock stored (the ticks of a consumer batch are added right after its commit).
    await waitFor(
      async () => {
        const p = await progress();
        if (Date.now() - shown > 5_000) {
          shown = Date.now();
          process.stdout.write(`\r${p.stored} clocks stored, ${p.queued} ticks queued   `);
        }
        return p.stored === inquiries * 2 || undefined;
      },
      { timeoutMs: 3_600_000, intervalMs: 250, what: 'all clocks armed' },
    );
    const armSeconds = (Date.now() - t0) / 1000;
    const cpuArm = processCpuMs(pid) - cpu0;
    log(
      `\narmed ${inquiries * 2} clocks (${inquiries} inquiries, ${timers} timers) in ${armSeconds.toFixed(1)} s ` +
        `(events sent in ${sentSeconds.toFixed(1)} s): ${Math.round((inquiries * 2) / armSeconds)} clocks/s; ` +
        `service CPU ${((cpuArm * 1000) / (inquiries * 2)).toFixed(0)} µs per clock; load average ${loadAverage()}`,
    );
    if (armSeconds > lead)
      log(`arming outlasted the ${lead} s lead: the earliest deadlines were already due when armed`);

    const firedWhileArming = (await progress()).fired;
    const cpu1 = processCpuMs(pid);
    for (;;) {
      const p = await progress();
      process.stdout.write(`\r${p.running} clocks still running, ${p.fired}/${timers} timers fired   `);
      if (p.running === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    const cpuFire = processCpuMs(pid) - cpu1;
    const armedAt = new Date(t0 + armSeconds * 1000);
    const lateness = (where: string) =>
      withPg((c) =>
        c
          .query<{ ms: number }>(
            `SELECT extract(epoch FROM breached_at - due_at) * 1000 AS ms FROM "${schema}".sla_clocks
              WHERE state = 'breached' ${where}`,
            where ? [armedAt] : [],
          )
          .then((r) => r.rows.map((row) => Number(row.ms)).sort((a, b) => a - b)),
      );
    const summary = (late: number[]) =>
      late.length === 0
        ? 'none'
        : `${late.length}; lateness ms p50 ${percentile(late, 50).toFixed(0)} p95 ${percentile(late, 95).toFixed(0)} ` +
          `p99 ${percentile(late, 99).toFixed(0)} max ${late[late.length - 1].toFixed(0)}`;
    const late = await lateness('');
    log(`\nbreaches stored: ${summary(late)} (expected ${inquiries * 2}); load average ${loadAverage()}`);
    // Those due once arming was over measure firing alone (the others may have been armed after their deadline).
    log(`breaches due after arming was complete: ${summary(await lateness('AND due_at > $1'))}`);
    log(
      firedWhileArming === 0
        ? `service CPU ${((cpuFire * 1000) / timers).toFixed(0)} µs per timer fired`
        : `${firedWhileArming} timers fired while arming: service CPU ${(((cpuArm + cpuFire) * 1000) / (inquiries * 2)).toFixed(0)} µs per clock armed and fired (not separable)`,
    );

    // What reached Kafka: every clock's breach and warning exactly once.
    const events = reader;
    const perClock = (topic: Topic) => {
      const counts = new Map<string, number>();
      for (const message of events.messages) {
        if (message.topic !== `${prefix}${topic}`) continue;
        const envelope = JSON.parse(message.value ?? '{}') as {
          inquiryId: string;
          payload: { clock: string };
        };
        const key = `${envelope.inquiryId}/${envelope.payload.clock}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    };
    await waitFor(() => events.messages.length >= timers || undefined, {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: 'every warning and breach on Kafka',
    }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // a duplicate would arrive about now
    for (const topic of [Topic.SlaBreached, Topic.SlaWarning]) {
      const counts = [...perClock(topic).values()];
      const once = counts.filter((n) => n === 1).length;
      const more = counts.filter((n) => n > 1).length;
      log(
        `${topic}: ${once} clocks exactly once, ${more} twice or more, ${inquiries * 2 - counts.length} missing`,
      );
    }
  } finally {
    await reader?.stop();
    await sender?.close();
    child.kill('SIGTERM');
    await waitForExit(child).catch(() => child.kill('SIGKILL'));
    redis.disconnect();
    privateRedis.stop();
    await cleanUpRun(runId);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);

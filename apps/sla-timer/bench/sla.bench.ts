/**
 * Arms N SLA clocks (N/2 inquiries x 2 clocks) with breaches spread over a few minutes, through the
 * service's own code path (SlaService.onClassified: inbox, Postgres transaction, outbox, BullMQ), then
 * waits for every breach and prints arming throughput and how late breaches fired (breachedAt - dueAt).
 *
 *   node -r @swc-node/register apps/sla-timer/bench/sla.bench.ts [--count 100000] [--spread-seconds 180]
 *
 * Runs on a private redis-server (started here, FLUSHALL-safe) and its own Postgres schema and topic prefix.
 */
import { INestApplication } from '@nestjs/common';
import { parseTopic, Topic, type EventEnvelope } from '@relaydesk/contracts';
import { cleanUpRun, freePort, isolatedEnv, testRunId, withPg } from '@relaydesk/testing';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { SlaService } from '../src/clocks/sla.service';
import { PolicyStore } from '../src/policies/policy.store';
import { classified, shortPolicy, slaConfig, startSla } from '../test/sla-harness';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main(): Promise<void> {
  const clocks = flag('count', 100_000);
  const spread = flag('spread-seconds', 180);
  const inquiries = Math.ceil(clocks / 2);
  const lead = 30; // seconds between the end of arming (estimate) and the first deadline
  const port = await freePort();
  const started = spawnSync('redis-server', [
    '--port',
    String(port),
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'yes',
  ]);
  if (started.status !== 0) throw new Error('redis-server did not start');
  const runId = testRunId();
  const env: Record<string, string> = {
    ...isolatedEnv(runId, 'sla-timer'),
    REDIS_URL: `redis://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
  };
  const service = await startSla(slaConfig(env));
  const app: INestApplication = service.app;
  try {
    // first response due at start + target; resolution 15 s later; no escalation (one breach per clock).
    const target = spread + lead;
    const doc = shortPolicy({ urgent: target, high: target, normal: target, low: target }, 0);
    for (const policy of doc.policies) {
      policy.resolutionSeconds = target + 15;
      policy.warnAtPercent = 90;
    }
    const stored = await app.get(PolicyStore).replace(doc, 'bench');
    if (!stored.ok) throw new Error(JSON.stringify(stored.errors));
    const sla = app.get(SlaService);
    const { type, version } = parseTopic(Topic.InquiryClassified);
    const t0 = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < inquiries) {
        next += 1;
        const inquiryId = randomUUID();
        // Started in the past so that due = t0 + lead + U(0, spread).
        const startedAt = new Date(t0 - Math.random() * spread * 1000);
        const event: EventEnvelope<typeof Topic.InquiryClassified> = {
          id: randomUUID(),
          type,
          version,
          occurredAt: new Date().toISOString(),
          inquiryId,
          correlationId: randomUUID(),
          causationId: null,
          payload: classified(inquiryId, 'normal', startedAt),
        };
        await sla.onClassified(event);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const armSeconds = (Date.now() - t0) / 1000;
    process.stdout.write(
      `armed ${inquiries * 2} clocks (${inquiries} inquiries, ${inquiries * 4} timers) in ${armSeconds.toFixed(1)} s: ` +
        `${Math.round((inquiries * 2) / armSeconds)} clocks/s\n`,
    );
    const schema = String(env['DB_SCHEMA']);
    for (;;) {
      const [{ open }] = await withPg((c) =>
        c
          .query<{ open: string }>(
            `SELECT count(*) AS open FROM "${schema}".sla_clocks WHERE state = 'running'`,
          )
          .then((r) => r.rows),
      );
      process.stdout.write(`\r${open} clocks still running   `);
      if (Number(open) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    const late = await withPg((c) =>
      c
        .query<{ ms: number }>(
          `SELECT extract(epoch FROM breached_at - due_at) * 1000 AS ms FROM "${schema}".sla_clocks WHERE state = 'breached'`,
        )
        .then((r) => r.rows.map((row) => Number(row.ms)).sort((a, b) => a - b)),
    );
    process.stdout.write(
      `\nbreaches: ${late.length} (expected ${inquiries * 2}); lateness ms p50 ${percentile(late, 50).toFixed(0)} ` +
        `p95 ${percentile(late, 95).toFixed(0)} p99 ${percentile(late, 99).toFixed(0)} max ${late[late.length - 1].toFixed(0)}` +
        `${armSeconds > lead ? ` (arming outlasted the ${lead} s lead: early deadlines were already due when armed)` : ''}\n`,
    );
  } finally {
    await service.close();
    spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
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

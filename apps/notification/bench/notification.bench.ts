/**
 * Deliveries per second to a local HTTP receiver: N webhook deliveries (ready, as the consumer leaves
 * them) are enqueued on `delivery-webhook`; the clock runs until every one was received, signature-checked
 * and recorded `sent` with its notification.sent.v1 in the outbox. Real Postgres, Redis and Kafka.
 *
 *   node -r @swc-node/register apps/notification/bench/notification.bench.ts [--count 20000]
 */
import { NestFactory } from '@nestjs/core';
import { type ChildProcess, fork } from 'node:child_process';
import {
  cleanUpRun,
  excludeFromIoCount,
  installIoCounter,
  IoMark,
  isolatedEnv,
  loadAverage,
  testRunId,
  withPg,
} from '@relaydesk/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AppModule } from '../src/app.module';
import { loadNotificationConfig } from '../src/config';
import { DeliveryQueues } from '../src/deliveries/delivery.queues';
import type { ReceiverReport } from './receiver.child';

installIoCounter();

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

/** Starts the receiver in its own process; resolves with its port. */
function startReceiver(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(require.resolve('./receiver.child'), [], {
    execArgv: ['-r', '@swc-node/register'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
    child.once('message', (message: { port: number }) => resolve({ child, port: message.port }));
  });
}

function askReceiver(child: ChildProcess): Promise<ReceiverReport> {
  return new Promise((resolve) => {
    child.once('message', (message: { report: ReceiverReport }) => resolve(message.report));
    child.send('report');
  });
}

async function main(): Promise<void> {
  const count = argument('count', 20_000);
  const runId = testRunId();
  const env = isolatedEnv(runId, 'notification');
  const receiver = await startReceiver();
  const config = loadNotificationConfig({
    ...process.env,
    ...env,
    LOG_LEVEL: 'error',
    ADAPTER_CALLBACKS: `demo=http://127.0.0.1:${receiver.port}/adapter`,
    DELIVERY_SWEEP_INTERVAL_MS: '3600000',
  });
  const app = await NestFactory.create(AppModule.forRoot(config), { logger: ['error'] });
  await app.init();
  try {
    const schema = `"${config.DB_SCHEMA}"`;
    const ids: string[] = [];
    await withPg(async (client) => {
      for (let offset = 0; offset < count; offset += 5_000) {
        const batch = Array.from({ length: Math.min(5_000, count - offset) }, () => randomUUID());
        ids.push(...batch);
        await client.query(
          `INSERT INTO ${schema}.deliveries (id, event_id, inquiry_id, kind, recipient, recipient_key, channel,
             variables, held, transport, address, language, message)
           SELECT id, gen_random_uuid(), gen_random_uuid(), 'reply', 'customer', 'customer', 'chat', '{}', false,
             'webhook', 'adapter:demo', 'en',
             jsonb_build_object('body', jsonb_build_object('deliveryId', id, 'kind', 'reply', 'text', 'Your withdrawal was credited.'))
           FROM unnest($1::uuid[]) AS id`,
          [batch],
        );
      }
    });
    const queues = app.get(DeliveryQueues);
    // The progress poll has its own connection; its queries are not the service's.
    const poll = excludeFromIoCount(new Client({ connectionString: config.DATABASE_URL }));
    await poll.connect();
    const pollQuery = poll.query.bind(poll);
    const loadBefore = loadAverage();
    const io = new IoMark();
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    for (let offset = 0; offset < ids.length; offset += 1_000) {
      await queues.enqueue(
        ids
          .slice(offset, offset + 1_000)
          .map((id) => ({ id, transport: 'webhook' as const, recipient: 'customer' as const })),
      );
    }
    for (;;) {
      const { rows } = await pollQuery<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${schema}.deliveries WHERE status = 'sent'`,
      );
      const sent = rows[0].n;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      process.stdout.write(`\r${sent}/${count} sent after ${seconds.toFixed(1)} s`);
      if (sent >= count) break;
      if (seconds > 300) throw new Error('gave up after 300 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    const { pgQueries: pg, redisCommands: redis } = io.since();
    const { rows: retried } = await pollQuery<{ attempts: number; error: string | null; n: number }>(
      `SELECT attempts, left(last_error, 80) AS error, count(*)::int AS n FROM ${schema}.deliveries
       WHERE attempts > 1 GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5`,
    );
    await poll.end();
    const received = await askReceiver(receiver.child);
    process.stdout.write('\n');
    console.log(
      JSON.stringify({
        deliveries: count,
        received: received.received,
        distinctIdempotencyKeys: received.distinctIdempotencyKeys,
        badSignatures: received.badSignatures,
        seconds: Number(seconds.toFixed(2)),
        deliveriesPerSecond: Math.round(count / seconds),
        // CPU time per delivery of the service's process, and of the receiver's: less noisy than wall time.
        cpuMsPerDelivery: Number(((cpu.user + cpu.system) / 1000 / count).toFixed(3)),
        receiverCpuMsPerDelivery: Number((received.cpuMs / count).toFixed(3)),
        pgQueriesPerDelivery: Number((pg / count).toFixed(3)),
        redisCommandsPerDelivery: Number((redis / count).toFixed(3)),
        retried,
        loadAverage: { before: loadBefore, after: loadAverage() },
        webhookConcurrency: config.WEBHOOK_CONCURRENCY,
        webhookRatePerSecond: config.WEBHOOK_RATE_PER_SECOND,
      }),
    );
  } finally {
    await app.close();
    receiver.child.removeAllListeners('exit');
    receiver.child.send('stop');
    await cleanUpRun(runId);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/**
 * Deliveries per second to a local HTTP receiver: N webhook deliveries (ready, as the consumer leaves
 * them) are enqueued on `delivery-webhook`; the clock runs until every one was received, signature-checked
 * and recorded `sent` with its notification.sent.v1 in the outbox. Real Postgres, Redis and Kafka.
 *
 *   node -r @swc-node/register apps/notification/bench/notification.bench.ts [--count 20000]
 */
import { NestFactory } from '@nestjs/core';
import { cleanUpRun, isolatedEnv, testRunId, withPg } from '@relaydesk/testing';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { loadNotificationConfig } from '../src/config';
import { DeliveryQueues } from '../src/deliveries/delivery.queues';
import { LocalReceiver } from '../test/fixtures';

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

async function main(): Promise<void> {
  const count = argument('count', 20_000);
  const runId = testRunId();
  const env = isolatedEnv(runId, 'notification');
  const receiver = new LocalReceiver({ '/adapter': 'demo-secret' });
  await receiver.start();
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
    const started = process.hrtime.bigint();
    for (let offset = 0; offset < ids.length; offset += 1_000) {
      await queues.enqueue(
        ids.slice(offset, offset + 1_000).map((id) => ({ id, transport: 'webhook' as const })),
      );
    }
    for (;;) {
      const sent = await withPg(async (client) => {
        const { rows } = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${schema}.deliveries WHERE status = 'sent'`,
        );
        return rows[0].n;
      });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      process.stdout.write(`\r${sent}/${count} sent after ${seconds.toFixed(1)} s`);
      if (sent >= count) break;
      if (seconds > 300) throw new Error('gave up after 300 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const invalid = receiver.calls.filter((call) => !call.signatureValid).length;
    const distinct = new Set(receiver.calls.map((call) => call.headers['idempotency-key'])).size;
    process.stdout.write('\n');
    console.log(
      JSON.stringify({
        deliveries: count,
        received: receiver.calls.length,
        distinctIdempotencyKeys: distinct,
        badSignatures: invalid,
        seconds: Number(seconds.toFixed(2)),
        deliveriesPerSecond: Math.round(count / seconds),
        webhookConcurrency: config.WEBHOOK_CONCURRENCY,
        webhookRatePerSecond: config.WEBHOOK_RATE_PER_SECOND,
      }),
    );
  } finally {
    await app.close();
    await receiver.stop();
    await cleanUpRun(runId);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

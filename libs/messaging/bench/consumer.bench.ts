// npm run -s bench:consumer -- [--count 20000] [--batch-size 100]
// Throughput of the messaging lib's consume path on its own: a backlog of `inquiry.resolved.v1` events
// is consumed by the probe service (inbox record + one insert per event, an after-commit hook each)
// against the real Kafka and Postgres. Prints events/s and CPU milliseconds per event of the consumer.
import { Topic } from '@relaydesk/contracts';
import { cleanUpRun, isolatedEnv, testKafka, testRunId, withPg } from '@relaydesk/testing';
import { parseArgs } from 'node:util';
import { probeConfig, probeEvent, startProbeApp } from '../test/probe-app';

const { values: args } = parseArgs({
  options: { count: { type: 'string', default: '20000' }, 'batch-size': { type: 'string' } },
});

async function handledCount(schema: string): Promise<number> {
  return withPg(async (client) => {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".side_effects`);
    return Number(rows[0].n);
  });
}

async function main(): Promise<void> {
  const count = Number(args.count);
  if (!(count > 0)) throw new Error('usage: npm run -s bench:consumer -- [--count N] [--batch-size B]');
  const runId = testRunId();
  const env = {
    ...isolatedEnv(runId, 'probe'),
    KAFKA_PARTITIONS: '6',
    ...(args['batch-size'] ? { CONSUMER_BATCH_SIZE: args['batch-size'] } : {}),
  };
  const config = probeConfig(env);
  try {
    // A first start creates the schema and the topics; the backlog is produced while nobody consumes.
    await (await startProbeApp(config)).close();
    const producer = testKafka().producer();
    await producer.connect();
    const topic = `${config.KAFKA_TOPIC_PREFIX}${Topic.InquiryResolved}`;
    for (let start = 0; start < count; start += 1_000) {
      const messages = Array.from({ length: Math.min(1_000, count - start) }, () => {
        const event = probeEvent('ok');
        return { key: event.inquiryId, value: JSON.stringify(event) };
      });
      await producer.send({ topic, messages });
    }
    await producer.disconnect();

    const cpuBefore = process.cpuUsage();
    const started = Date.now();
    const app = await startProbeApp(config);
    let handled = 0;
    while (handled < count) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      handled = await handledCount(config.DB_SCHEMA);
    }
    const seconds = (Date.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    await app.close();
    const cpuMs = (cpu.user + cpu.system) / 1000;
    process.stdout.write(
      `messaging consumer: ${count} events, batch size ${config.CONSUMER_BATCH_SIZE}\n` +
        `  ${Math.round(count / seconds)} events/s (${seconds.toFixed(1)} s, including the consumer's start)\n` +
        `  ${(cpuMs / count).toFixed(3)} ms of consumer CPU per event\n`,
    );
  } finally {
    await cleanUpRun(runId);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

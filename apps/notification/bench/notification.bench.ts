/**
 * Deliveries per second to a local receiver. N deliveries (ready, as the consumer leaves them: a
 * customer's reply rendered from the real template) are inserted into the service's table and enqueued
 * on their transport's queue while it is paused; the clock runs from its resumption until every one was
 * received and recorded `sent` with its notification.sent.v1 in the outbox. Real Postgres, Redis and
 * Kafka; the service is `main.ts` in its own process(es), the receiver too.
 *
 *   npm run -s bench:notification -- [--transport webhook|email] [--count 20000] [--replicas 1]
 *                                    [--events] [--profile DIR]
 *
 * `--events` measures the whole service instead: `count` inquiries' events (received, classified,
 * deadlines set, assigned) are published on Kafka as the other services would; each inquiry makes three
 * deliveries (the customer's acknowledgement and "an agent is on it" on the customer's channel: chat
 * through an adapter for `webhook`, email for `email`; the agent's email). The clock runs from the first
 * event published until every delivery is sent; it also prints CPU per inquiry.
 *
 * - webhook: signed POSTs to a local HTTP receiver that checks signatures like an adapter would.
 * - email: SMTP to a local `smtp-server` (nodemailer's pool, SMTP_MAX_CONNECTIONS). EMAIL_RATE_PER_SECOND
 *   (100 by default, the per-transport limit by design) and the other settings can be raised through the
 *   environment: `EMAIL_RATE_PER_SECOND=5000 EMAIL_CONCURRENCY=50 npm run -s bench:notification -- ...`.
 * - `--replicas N` starts N service processes (the queues, claims and priorities work across processes).
 * - `--profile DIR` runs the service with `node --cpu-prof`; the profile is written to DIR when it exits.
 *   The bounds of the idle sample and of the delivery phase are printed on stderr (`mark idle|start|end
 *   <µs>`, on the profile's monotonic clock) to slice it:
 *   `node -r @swc-node/register apps/assignment/bench/cpuprofile-summary.ts FILE FROM TO`.
 *
 * Prints deliveries/s; CPU time per delivery of the service processes (from /proc: less noisy than wall
 * time on a shared machine), of the receiver, of the bench's own redis-server (with its time by command)
 * and of the Postgres backends serving the service; the service's idle CPU per second (sampled for 5 s
 * before: it weighs on the figure per delivery when there are few a second); Postgres queries, Redis
 * commands and round trips per delivery in the service (counted by a preload that wraps pg's and
 * ioredis' prototypes); the enqueue apart (the bench's CPU and Redis', what the consumer spends in
 * production); deliveries that needed more than one attempt; and the load average.
 */
import { type EventEnvelope, type PayloadInputOf, Topic } from '@relaydesk/contracts';
import { seal } from '@relaydesk/runtime';
import type { IoSnapshot } from '@relaydesk/testing';
import {
  cleanUpRun,
  excludeFromIoCount,
  freePort,
  isolatedEnv,
  loadAverage,
  postgresBackendsOf,
  processCpuMs,
  startPrivateRedis,
  testKafka,
  testRunId,
  waitFor,
  waitForExit,
  withPg,
} from '@relaydesk/testing';
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Producer } from 'kafkajs';
import { Client } from 'pg';
import { loadNotificationConfig } from '../src/config';
import { queueOf, type Transport } from '../src/deliveries/delivery.model';
import { DeliveryQueues } from '../src/deliveries/delivery.queues';
import { TemplateRenderer } from '../src/templates/template.renderer';
import { classified, deadlinesSet, envelope, received } from '../test/fixtures';
import type { ReceiverReport } from './receiver.child';
import type { SmtpReceiverReport } from './smtp-receiver.child';

const WORKSPACE = path.resolve(__dirname, '../../..');
const IDLE_SAMPLE_MS = 5_000;

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const log = (line: string) => process.stdout.write(`${line}\n`);
/** The monotonic clock of `--cpu-prof` profiles, in µs. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Forks a TypeScript file with an IPC channel; resolves once it sent a message matching `ready`. */
function forkTs<T>(
  file: string,
  options: { execArgv?: string[]; env?: Record<string, string>; ready: (message: T) => boolean },
): Promise<{ child: ChildProcess; message: T }> {
  const child = fork(path.resolve(__dirname, file), [], {
    cwd: WORKSPACE,
    execArgv: [...(options.execArgv ?? []), '-r', '@swc-node/register'],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
    const onMessage = (message: T) => {
      if (!options.ready(message)) return;
      child.off('message', onMessage);
      child.removeAllListeners('exit');
      resolve({ child, message });
    };
    child.on('message', onMessage);
  });
}

function ask<T>(child: ChildProcess, question: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: Record<string, unknown>) => {
      if (!(key in message)) return;
      child.off('message', onMessage);
      resolve(message[key] as T);
    };
    child.on('message', onMessage);
    child.send(question);
  });
}

const renderer = new TemplateRenderer();

/** What is stored for a customer's reply, rendered by the service's own templates. */
function replyMessage(transport: Transport, id: string, inquiryId: string): Record<string, unknown> {
  const rendered = renderer.render('reply', 'customer', 'en', {
    ref: inquiryId.slice(0, 8).toUpperCase(),
    name: 'Alex Doe',
    body: 'Your withdrawal of 0.25 BTC was credited at 14:02 UTC.\nThe network fee was 0.0001 BTC.',
    trackingUrl: `http://localhost:3001/inquiries/${inquiryId}?token=bench`,
  });
  if (transport === 'email') return { subject: rendered.subject, text: rendered.text, html: rendered.html };
  return {
    body: {
      deliveryId: id,
      inquiryId,
      kind: 'reply',
      channel: 'chat',
      externalId: `ext-${inquiryId}`,
      customer: { handle: 'alex' },
      language: rendered.language,
      subject: rendered.subject,
      text: rendered.text,
    },
  };
}

/** Inserts `count` ready deliveries of `transport` (as the consumer leaves them); returns their ids. */
async function insertReadyDeliveries(schema: string, transport: Transport, count: number): Promise<string[]> {
  const ids: string[] = [];
  await withPg(async (client) => {
    for (let offset = 0; offset < count; offset += 5_000) {
      const batch = Array.from({ length: Math.min(5_000, count - offset) }, () => randomUUID());
      ids.push(...batch);
      const inquiries = batch.map(() => randomUUID());
      await client.query(
        `INSERT INTO ${schema}.deliveries (id, event_id, inquiry_id, kind, recipient, recipient_key, channel,
           variables, held, transport, address, language, message)
         SELECT id, gen_random_uuid(), inquiry_id, 'reply', 'customer', 'customer', $2, '{}', false,
           $3, CASE WHEN $3 = 'email' THEN 'customer-' || left(inquiry_id::text, 8) || '@bench.local'
                    ELSE 'adapter:demo' END,
           'en', message
         FROM unnest($1::uuid[], $4::uuid[], $5::jsonb[]) AS t(id, inquiry_id, message)`,
        [
          batch,
          transport === 'email' ? 'email' : 'chat',
          transport,
          inquiries,
          batch.map((id, index) => JSON.stringify(replyMessage(transport, id, inquiries[index]))),
        ],
      );
    }
  });
  return ids;
}

/**
 * The events of `count` inquiries as the other services publish them: received (a customer on chat through
 * the `demo` adapter, or by email), classified, deadlines set, assigned. Each inquiry makes three
 * deliveries: the customer's acknowledgement and "an agent is on it", and the agent's email.
 */
function inquiryEvents(transport: Transport, count: number, trackingKey: string) {
  const events: { topic: Topic; envelope: EventEnvelope }[] = [];
  const due = new Date(Date.now() + 3_600_000).toISOString();
  for (let index = 0; index < count; index++) {
    const inquiryId = randomUUID();
    const customer =
      transport === 'email'
        ? { channel: 'email' as const, email: `customer-${index}@bench.local` }
        : { channel: 'chat' as const, handle: `customer-${index}` };
    const add = <T extends Topic>(topic: T, payload: PayloadInputOf<T>) =>
      events.push({ topic, envelope: envelope(topic, inquiryId, payload) });
    add(
      Topic.InquiryReceived,
      received(inquiryId, {
        ...customer,
        name: 'Alex Doe',
        locale: 'en-GB',
        trackingTokenSealed: seal(`token-${index}`, trackingKey),
      }),
    );
    add(Topic.InquiryClassified, classified(inquiryId, 'en', [], customer.channel));
    add(Topic.SlaDeadlinesSet, deadlinesSet(inquiryId, due));
    add(Topic.InquiryAssigned, {
      inquiryId,
      agentId: `agent-${index % 50}`,
      category: 'deposit_withdrawal',
      priority: 'high',
      language: 'en',
      pool: 'standard',
      translationNeeded: false,
      assignedAt: new Date().toISOString(),
    });
  }
  return events;
}

const DELIVERIES_PER_INQUIRY = 3;

async function main(): Promise<void> {
  const transport = (flag('transport') ?? 'webhook') as Transport;
  if (transport !== 'webhook' && transport !== 'email') throw new Error('--transport webhook|email');
  const fromEvents = process.argv.includes('--events');
  const count = Number(flag('count') ?? 20_000);
  const replicas = Number(flag('replicas') ?? 1);
  const profileDir = flag('profile');
  const expected = fromEvents ? count * DELIVERIES_PER_INQUIRY : count;
  const runId = testRunId();
  // A redis-server of its own: its CPU is the service's alone.
  const redis = await startPrivateRedis();

  const ready = (message: { port?: number }) => 'port' in message;
  const http = await forkTs<{ port?: number }>('receiver.child.ts', { ready });
  const smtp = await forkTs<{ port?: number }>('smtp-receiver.child.ts', { ready });
  const env: Record<string, string> = {
    ...isolatedEnv(runId, 'notification'),
    LOG_LEVEL: 'error',
    ADAPTER_CALLBACKS: `demo=http://127.0.0.1:${http.message.port}/adapter`,
    SMTP_URL: `smtp://127.0.0.1:${smtp.message.port}`,
    DELIVERY_SWEEP_INTERVAL_MS: '3600000',
    REDIS_URL: redis.url,
  };
  // The service's settings (EMAIL_RATE_PER_SECOND, WEBHOOK_CONCURRENCY, ...) come from the environment.
  const config = loadNotificationConfig({ ...process.env, ...env });
  const services: ChildProcess[] = [];
  const queues = new DeliveryQueues(config);
  let producer: Producer | undefined;
  try {
    // One after the other: the first runs the migrations.
    for (let replica = 0; replica < replicas; replica++) {
      const port = await freePort();
      const execArgv = [
        ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
        '-r',
        '@swc-node/register',
        '-r',
        path.resolve(__dirname, 'io-count.preload.ts'),
      ];
      const child = fork(path.resolve(WORKSPACE, 'apps/notification/src/main.ts'), [], {
        cwd: WORKSPACE,
        execArgv,
        env: { ...process.env, ...env, PORT: String(port) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      services.push(child);
      await waitFor(
        async () =>
          (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200 ||
          undefined,
        { timeoutMs: 120_000, intervalMs: 250, what: `notification replica ${replica} ready` },
      );
    }

    const schema = `"${config.DB_SCHEMA}"`;
    const ids = fromEvents ? [] : await insertReadyDeliveries(schema, transport, count);
    const events = fromEvents ? inquiryEvents(transport, count, config.TRACKING_TOKEN_KEY) : [];
    if (fromEvents) {
      producer = testKafka().producer();
      await producer.connect();
    }
    // The progress poll has its own connection; it is not the service's.
    const poll = excludeFromIoCount(new Client({ connectionString: config.DATABASE_URL }));
    await poll.connect();
    const redisPid = Number(/process_id:(\d+)/.exec(await queues.connection.info('server'))?.[1]);
    // The Postgres backends of the service's connections (more may open during the run: all their CPU counts).
    const backendCpu = async () => {
      const cpu = new Map<number, number>();
      for (const child of services)
        for (const pid of await postgresBackendsOf(poll, child.pid!)) {
          try {
            cpu.set(pid, processCpuMs(pid));
          } catch {
            // The backend ended meanwhile (a connection the pool closed): its CPU is lost to the figure.
          }
        }
      return cpu;
    };
    // What the service burns doing nothing (outbox relay polls, Kafka consumer, BullMQ timers), per second:
    // it weighs on the figure per delivery when deliveries are few per second (email at its rate limit).
    process.stderr.write(`mark idle ${monotonicUs()}\n`);
    const idleCpuBefore = services.map((child) => processCpuMs(child.pid!));
    await new Promise((resolve) => setTimeout(resolve, IDLE_SAMPLE_MS));
    const idleCpuMsPerSecond =
      (services.reduce((sum, child, index) => sum + processCpuMs(child.pid!) - idleCpuBefore[index], 0) *
        1000) /
      IDLE_SAMPLE_MS;
    // Ready deliveries are enqueued while the queue is paused (BullMQ's global pause: the workers take
    // nothing), so that enqueuing, which the consumer does in production, is measured apart from delivering.
    const queue = queues.queue(queueOf(transport));
    let enqueue: Record<string, number> | undefined;
    if (!fromEvents) {
      await queue.pause();
      const redisCpuBefore = processCpuMs(redisPid);
      const benchCpuBefore = process.cpuUsage();
      const started = monotonicUs();
      for (let offset = 0; offset < ids.length; offset += 1_000) {
        await queues.enqueue(
          ids.slice(offset, offset + 1_000).map((id) => ({ id, transport, recipient: 'customer' as const })),
        );
      }
      const benchCpu = process.cpuUsage(benchCpuBefore);
      enqueue = {
        seconds: Number(((monotonicUs() - started) / 1e6).toFixed(2)),
        cpuMsPerJob: Number(((benchCpu.user + benchCpu.system) / 1000 / count).toFixed(3)),
        redisServerCpuMsPerJob: Number(((processCpuMs(redisPid) - redisCpuBefore) / count).toFixed(3)),
      };
    }

    const loadBefore = loadAverage();
    const pgCpuBefore = await backendCpu();
    const redisCpuBefore = processCpuMs(redisPid);
    await queues.connection.config('RESETSTAT');
    const ioBefore = await Promise.all(services.map((child) => ask<IoSnapshot>(child, 'io', 'io')));
    const cpuBefore = services.map((child) => processCpuMs(child.pid!));
    const startUs = monotonicUs();
    process.stderr.write(`mark start ${startUs}\n`);
    if (fromEvents) {
      for (let offset = 0; offset < events.length; offset += 2_000) {
        const byTopic = new Map<string, { key: string; value: string }[]>();
        for (const { topic, envelope: event } of events.slice(offset, offset + 2_000)) {
          const name = `${config.KAFKA_TOPIC_PREFIX}${topic}`;
          const messages = byTopic.get(name) ?? [];
          messages.push({ key: event.inquiryId, value: JSON.stringify(event) });
          byTopic.set(name, messages);
        }
        await producer!.sendBatch({
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        });
      }
    } else await queue.resume();
    for (;;) {
      const { rows } = await poll.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${schema}.deliveries WHERE status = 'sent'`,
      );
      const seconds = (monotonicUs() - startUs) / 1e6;
      process.stdout.write(`\r${rows[0].n}/${expected} sent after ${seconds.toFixed(1)} s   `);
      if (rows[0].n >= expected) break;
      if (seconds > 900) throw new Error('gave up after 900 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const endUs = monotonicUs();
    process.stdout.write('\n');
    process.stderr.write(`mark end ${endUs}\n`);
    const seconds = (endUs - startUs) / 1e6;
    const serviceCpuMs = services.map((child, index) => processCpuMs(child.pid!) - cpuBefore[index]);
    const redisCpuMs = processCpuMs(redisPid) - redisCpuBefore;
    // Where redis-server's time went, by command (its own accounting: time inside the command, Lua included).
    const redisCommandUs = [
      ...(await queues.connection.info('commandstats')).matchAll(/^cmdstat_(\w+):calls=(\d+),usec=(\d+)/gm),
    ]
      .map(([, name, calls, usec]) => ({ name, calls: Number(calls), usec: Number(usec) }))
      .sort((a, b) => b.usec - a.usec)
      .slice(0, 4);
    let postgresCpuMs = 0;
    for (const [pid, ms] of await backendCpu()) postgresCpuMs += ms - (pgCpuBefore.get(pid) ?? 0);
    const ioAfter = await Promise.all(services.map((child) => ask<IoSnapshot>(child, 'io', 'io')));
    const loadAfter = loadAverage();
    const perDelivery = (value: number) => Number((value / expected).toFixed(3));
    const io = (key: 'pgQueries' | 'redisCommands' | 'redisRoundTrips') =>
      perDelivery(ioAfter.reduce((sum, snapshot, index) => sum + snapshot[key] - ioBefore[index][key], 0));
    const { rows: byTransport } = await poll.query<{ transport: string; n: number }>(
      `SELECT transport, count(*)::int AS n FROM ${schema}.deliveries GROUP BY 1 ORDER BY 1`,
    );
    const { rows: retried } = await poll.query<{ attempts: number; error: string | null; n: number }>(
      `SELECT attempts, left(last_error, 80) AS error, count(*)::int AS n FROM ${schema}.deliveries
       WHERE attempts > 1 GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5`,
    );
    const { rows: outbox } = await poll.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM ${schema}.outbox)::int AS n`,
    );
    await poll.end();
    const webhooks = await ask<ReceiverReport>(http.child, 'report', 'report');
    const mails = await ask<SmtpReceiverReport>(smtp.child, 'report', 'report');
    const totalCpu = serviceCpuMs.reduce((sum, ms) => sum + ms, 0);
    log(
      JSON.stringify({
        transport,
        ...(fromEvents ? { inquiries: count, eventsConsumed: events.length } : {}),
        deliveries: expected,
        deliveriesByTransport: Object.fromEntries(byTransport.map((row) => [row.transport, row.n])),
        replicas,
        webhooksReceived: {
          received: webhooks.received,
          distinctIdempotencyKeys: webhooks.distinctIdempotencyKeys,
          badSignatures: webhooks.badSignatures,
        },
        mailsReceived: {
          received: mails.received,
          distinctMessageIds: mails.distinctMessageIds,
          smtpConnections: mails.connections,
        },
        seconds: Number(seconds.toFixed(2)),
        deliveriesPerSecond: Math.round(expected / seconds),
        // CPU time per delivery of the service's processes (all replicas), and of the receivers'.
        cpuMsPerDelivery: perDelivery(totalCpu),
        ...(fromEvents
          ? {
              cpuMsPerInquiry: Number((totalCpu / count).toFixed(3)),
              inquiriesPerSecond: Math.round(count / seconds),
            }
          : {}),
        idleCpuMsPerSecond: Math.round(idleCpuMsPerSecond),
        cpuMsPerDeliveryByReplica: serviceCpuMs.map(perDelivery),
        receiverCpuMsPerDelivery: perDelivery(webhooks.cpuMs + mails.cpuMs),
        // The infrastructure's CPU for the service: its own redis-server, and the Postgres backends of its
        // connections (pool and outbox relay). Kafka's broker is shared with everything else: not counted.
        redisServerCpuMsPerDelivery: perDelivery(redisCpuMs),
        redisServerCommandsPerDelivery: Object.fromEntries(
          redisCommandUs.map(({ name, calls, usec }) => [
            name,
            { calls: Number((calls / expected).toFixed(2)), us: Number((usec / expected).toFixed(1)) },
          ]),
        ),
        postgresCpuMsPerDelivery: perDelivery(postgresCpuMs),
        pgQueriesPerDelivery: io('pgQueries'),
        redisCommandsPerDelivery: io('redisCommands'),
        redisRoundTripsPerDelivery: io('redisRoundTrips'),
        // Before the clock started, queue paused: the bench's CPU (as a consumer would spend it) and Redis'.
        ...(enqueue ? { enqueue } : {}),
        outboxRowsNotYetRelayed: outbox[0].n,
        retried,
        loadAverage: { before: loadBefore, after: loadAfter },
        webhook: { concurrency: config.WEBHOOK_CONCURRENCY, ratePerSecond: config.WEBHOOK_RATE_PER_SECOND },
        email: {
          concurrency: config.EMAIL_CONCURRENCY,
          ratePerSecond: config.EMAIL_RATE_PER_SECOND,
          smtpMaxConnections: config.SMTP_MAX_CONNECTIONS,
        },
      }),
    );
  } finally {
    await producer?.disconnect();
    await queues.onModuleDestroy();
    for (const child of services) child.kill('SIGTERM');
    for (const child of services) await waitForExit(child, 60_000).catch(() => child.kill('SIGKILL'));
    for (const receiver of [http, smtp]) {
      receiver.child.send('stop');
      await waitForExit(receiver.child, 10_000).catch(() => receiver.child.kill('SIGKILL'));
    }
    redis.stop();
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

import { Topic } from '@relaydesk/contracts';
import {
  cleanUpRun,
  freePort,
  isolatedEnv,
  type RunningService,
  spawnTs,
  testRunId,
  waitFor,
  waitForExit,
  startPrivateRedis,
  withPg,
} from '@relaydesk/testing';
import { Redis } from 'ioredis';
import { SlaService } from '../clocks/sla.service';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  classified,
  classifyDirectly,
  EventSender,
  payloadOf,
  Published,
  putPolicy,
  shortPolicy,
  slaConfig,
  startSla,
} from '../../test/sla-harness';

const COUNT = 1_000;

async function breachCounts(schema: string): Promise<{ breached: number; warned: number; running: number }> {
  return withPg(async (client) => {
    const { rows } = await client.query<{ breached: string; warned: string; running: string }>(
      `SELECT count(*) FILTER (WHERE state = 'breached') AS breached,
              count(*) FILTER (WHERE warned_at IS NOT NULL) AS warned,
              count(*) FILTER (WHERE state = 'running') AS running
         FROM "${schema}".sla_clocks`,
    );
    return {
      breached: Number(rows[0].breached),
      warned: Number(rows[0].warned),
      running: Number(rows[0].running),
    };
  });
}

describe('timers survive losing Redis', () => {
  const runId = testRunId();
  const env = isolatedEnv(runId, 'sla-timer');
  const prefix = env['KAFKA_TOPIC_PREFIX'];
  let redis: { url: string; stop: () => void };
  let service: RunningService;
  let sender: EventSender;
  let published: Published;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    service = await startSla(slaConfig({ ...env, REDIS_URL: redis.url }));
    sender = await EventSender.connect(prefix);
    published = await Published.start(prefix);
    // 24x7, first response 30 s, resolution 60 s, warnings at 50 %; no escalation (one breach per clock).
    expect(
      (await putPolicy(service.url, shortPolicy({ urgent: 30, high: 30, normal: 30, low: 30 }, 0))).status,
    ).toBe(200);
  });

  afterAll(async () => {
    await published?.stop();
    await sender?.close();
    await service?.close();
    redis?.stop();
    await cleanUpRun(runId);
  });

  it(`FLUSHALL while ${COUNT} clocks are armed misses no warning or breach and fires none twice`, async () => {
    const ids: string[] = Array.from({ length: COUNT }, () => randomUUID());
    const start = new Date();
    // Straight into the service (its consumer's code path): the subject here is Redis, not Kafka intake.
    await classifyDirectly(
      service.app.get(SlaService),
      ids.map((id) => classified(id, 'normal', start)),
    );
    const admin = new Redis(redis.url);
    try {
      // Every clock stored and armed (some warnings may already have fired: they must not fire again).
      await waitFor(
        async () => {
          const counts = await breachCounts(env['DB_SCHEMA']);
          return counts.running + counts.breached === COUNT * 2 || undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250, what: 'all clocks stored' },
      );
      // Timers are pending in Redis when it is flushed: at least the ticks of the resolution breaches (60 s).
      // On a loaded machine storing the 1,000 inquiries can take longer than the 15 s warnings, which then
      // fire on time.
      expect(await admin.zcard(`${env['REDIS_KEY_PREFIX']}:sla-deadline:delayed`)).toBeGreaterThan(0);
      await admin.flushall();
      expect(await admin.dbsize()).toBe(0);
    } finally {
      admin.disconnect();
    }
    const schema = env['DB_SCHEMA'];
    await waitFor(async () => (await breachCounts(schema)).breached === COUNT * 2 || undefined, {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: 'every breach',
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const mine = new Set(ids);
    const count = (topic: Topic) => {
      const perClock = new Map<string, number>();
      for (const event of published.all(topic)) {
        if (!mine.has(event.envelope.inquiryId)) continue;
        const key = `${event.envelope.inquiryId}/${(event.envelope.payload as { clock: string }).clock}`;
        perClock.set(key, (perClock.get(key) ?? 0) + 1);
      }
      return perClock;
    };
    await waitFor(() => count(Topic.SlaBreached).size === COUNT * 2 || undefined, {
      what: 'breaches published',
    });
    const breaches = count(Topic.SlaBreached);
    const warnings = count(Topic.SlaWarning);
    expect([...breaches.values()].every((n) => n === 1)).toBe(true);
    expect(warnings.size).toBe(COUNT * 2);
    expect([...warnings.values()].every((n) => n === 1)).toBe(true);
  }, 150_000);
});

describe('a service killed across a deadline', () => {
  const runId = testRunId();
  const env = isolatedEnv(runId, 'sla-timer');
  const prefix = env['KAFKA_TOPIC_PREFIX'];
  let child: ChildProcess | undefined;
  let sender: EventSender;
  let published: Published | undefined;

  async function spawnService(port: number): Promise<ChildProcess> {
    const process = spawnTs('apps/sla-timer/src/main.ts', [], {
      ...env,
      PORT: String(port),
      SLA_REDIS_WATCH_MS: '200',
    });
    await waitFor(
      async () =>
        (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200 ||
        undefined,
      { timeoutMs: 60_000, intervalMs: 250, what: 'service ready' },
    );
    return process;
  }

  beforeAll(async () => {
    sender = await EventSender.connect(prefix);
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await published?.stop();
    await sender?.close();
    await cleanUpRun(runId);
  });

  it('fires the overdue breach once as soon as it is back', async () => {
    const port = await freePort();
    child = await spawnService(port);
    published = await Published.start(prefix); // once the service has created its topics
    expect(
      (
        await putPolicy(
          `http://127.0.0.1:${port}`,
          shortPolicy({ urgent: 60, high: 60, normal: 6, low: 60 }, 0),
        )
      ).status,
    ).toBe(200);
    const inquiryId: string = randomUUID();
    await sender.send(Topic.InquiryClassified, [classified(inquiryId, 'normal', new Date())]);
    const set = await waitFor(() => published!.of(inquiryId, Topic.SlaDeadlinesSet)[0], {
      what: 'deadlines set',
    });
    const dueAt = Date.parse(payloadOf(set, Topic.SlaDeadlinesSet).firstResponseDueAt!);
    child.kill('SIGKILL');
    await waitForExit(child);
    child = undefined;
    // Down across the first-response deadline (and its warning).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt - Date.now()) + 2_000));
    expect(published.of(inquiryId, Topic.SlaBreached)).toHaveLength(0);
    const restartedAt = Date.now();
    child = await spawnService(port);
    const breach = await waitFor(() => published!.of(inquiryId, Topic.SlaBreached)[0], {
      what: 'overdue breach',
    });
    const payload = payloadOf(breach, Topic.SlaBreached);
    expect(payload).toMatchObject({ clock: 'first_response', dueAt: new Date(dueAt).toISOString() });
    expect(Date.parse(payload.breachedAt)).toBeGreaterThanOrEqual(restartedAt);
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // a re-arm sweep and the watch have run
    expect(
      published
        .of(inquiryId, Topic.SlaBreached)
        .filter((e) => payloadOf(e, Topic.SlaBreached).clock === 'first_response'),
    ).toHaveLength(1);
    expect(
      published
        .of(inquiryId, Topic.SlaWarning)
        .filter((e) => payloadOf(e, Topic.SlaWarning).clock === 'first_response'),
    ).toHaveLength(1);
  }, 120_000);
});

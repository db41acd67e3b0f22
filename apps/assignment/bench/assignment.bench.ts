/**
 * Assignment benchmark: 50 online agents, a backlog of N (default 10,000) classified inquiries.
 *
 *   node -r @swc-node/register apps/assignment/bench/assignment.bench.ts [--count 10000] [--agents 50]
 *
 * Starts the service in this process on an isolated schema, topic prefix and Redis prefix (all removed at
 * the end), produces the classified events to Kafka while every agent is offline (the backlog), brings the
 * agents online, and reads `inquiry.assigned.v1` back from Kafka. Prints assignments per second (first to
 * last assignment of the backlog) and the time from `inquiry.classified.v1` to `inquiry.assigned.v1`
 * (classifiedAt -> the moment this process read the assigned event; it includes the backlog's wait).
 * A second phase sends N/5 more while the agents are online with capacity to spare: the live latency.
 */
import { Topic } from '@relaydesk/contracts';
import {
  cleanUpRun,
  installIoCounter,
  IoMark,
  isolatedEnv,
  testRunId,
  waitFor,
  withPg,
} from '@relaydesk/testing';
import { parseArgs } from 'node:util';
import { Api, assignmentConfig, classified, Events, readTopic, startAssignment } from '../test/harness';

/** Phase boundaries on the monotonic clock of `--cpu-prof` (µs), on stderr, to slice a profile by phase. */
function mark(phase: string): void {
  process.stderr.write(`mark ${phase} ${process.hrtime.bigint() / 1000n}\n`);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  installIoCounter();
  const { values } = parseArgs({ options: { count: { type: 'string' }, agents: { type: 'string' } } });
  const count = Number(values.count ?? 10_000);
  const agentCount = Number(values.agents ?? 50);
  const runId = testRunId();
  const isolated = isolatedEnv(runId, 'assignment');
  const env = { ...isolated, LOG_LEVEL: 'error', LANGUAGE_FALLBACK_SECONDS: '3600' };
  const prefix = isolated['KAFKA_TOPIC_PREFIX'];
  const service = await startAssignment(assignmentConfig(env));
  const events = await Events.connect(prefix);
  const assigned = await readTopic(prefix, Topic.InquiryAssigned);
  const arrivals = new Map<string, number>();
  const arrived = () => {
    for (const message of assigned.reader.messages.splice(0)) {
      const event = JSON.parse(message.value!) as { inquiryId: string };
      if (!arrivals.has(event.inquiryId)) arrivals.set(event.inquiryId, Date.now());
    }
    return arrivals.size;
  };
  try {
    const api = new Api(service.url);
    const languages = ['en', 'ja', 'ko', 'zh', 'es'];
    const categories = ['trading', 'account', 'deposit_withdrawal', 'technical', 'security'] as const;
    const capacity = Math.ceil((count * 1.3) / agentCount);
    for (let index = 0; index < agentCount; index++) {
      await api.putAgent(`bench-${index}`, {
        languages: [languages[index % languages.length], 'en'],
        skills: [...categories, 'triage'],
        capacity,
      });
    }
    const make = (n: number) =>
      Array.from({ length: n }, (_, index) =>
        classified({
          language: languages[index % languages.length],
          category: categories[index % categories.length],
          priority: (['urgent', 'high', 'normal', 'low'] as const)[index % 4],
          customerTier: index % 10 === 0 ? 'vip' : 'standard',
        }),
      );
    const backlog = make(count);
    const classifiedAt = new Map(
      backlog.map((event) => [event.inquiryId, Date.parse(event.payload.classifiedAt)]),
    );
    process.stdout.write(`producing a backlog of ${count} classified inquiries (agents offline)...\n`);
    const consumeMark = new IoMark();
    mark('consume');
    for (let start = 0; start < backlog.length; start += 1_000)
      await events.send(Topic.InquiryClassified, ...backlog.slice(start, start + 1_000));
    const schema = isolated['DB_SCHEMA'];
    await waitFor(
      () =>
        withPg(async (client) => {
          const { rows } = await client.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM "${schema}".inquiries WHERE status = 'classified'`,
          );
          return rows[0].n === count;
        }),
      { timeoutMs: 300_000, intervalMs: 250, what: 'the backlog waiting' },
    );
    const consumed = consumeMark.per(count);
    process.stdout.write(`backlog waiting in the routing queues; bringing ${agentCount} agents online\n`);
    const drainMark = new IoMark();
    mark('drain');
    const online = Date.now();
    await Promise.all(
      Array.from({ length: agentCount }, (_, index) => api.presence(`bench-${index}`, 'online')),
    );
    await waitFor(() => arrived() >= count, { timeoutMs: 300_000, intervalMs: 20, what: 'every assignment' });
    const drained = drainMark.per(count);
    mark('drained');
    const times = backlog.map((event) => arrivals.get(event.inquiryId)!);
    const first = Math.min(...times);
    const last = Math.max(...times);
    const [{ seconds }] = await withPg(async (client) => {
      const { rows } = await client.query<{ seconds: number }>(
        `SELECT extract(epoch FROM max(assigned_at) - min(assigned_at))::float AS seconds FROM "${schema}".assignments`,
      );
      return rows as [{ seconds: number }];
    });
    const latencies = backlog
      .map((event) => arrivals.get(event.inquiryId)! - classifiedAt.get(event.inquiryId)!)
      .sort((a, b) => a - b);

    const liveCount = Math.floor(count / 5);
    const live = make(liveCount);
    const liveMark = new IoMark();
    mark('live');
    const liveStart = Date.now();
    for (let start = 0; start < live.length; start += 200) {
      await events.send(Topic.InquiryClassified, ...live.slice(start, start + 200));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await waitFor(() => arrived() >= count + liveCount, {
      timeoutMs: 300_000,
      intervalMs: 20,
      what: 'live assignments',
    });
    const liveIo = liveMark.per(liveCount);
    mark('end');
    const liveLatencies = live
      .map((event) => arrivals.get(event.inquiryId)! - Date.parse(event.payload.classifiedAt))
      .sort((a, b) => a - b);
    const result = {
      agents: agentCount,
      backlog: count,
      backlogConsume: { perClassifiedEvent: consumed },
      backlogDrain: {
        perAssignment: drained,
        committedAssignmentsPerSecond: Math.round(count / Math.max(seconds, 0.001)),
        publishedAssignmentsPerSecond: Math.round(count / ((last - first) / 1000)),
        secondsFromAgentsOnlineToLastAssigned: (last - online) / 1000,
        classifiedToAssignedMs: {
          p50: percentile(latencies, 50),
          p95: percentile(latencies, 95),
          p99: percentile(latencies, 99),
        },
      },
      live: {
        perInquiry: liveIo,
        inquiries: liveCount,
        ratePerSecond: Math.round(liveCount / ((Date.now() - liveStart) / 1000)),
        classifiedToAssignedMs: {
          p50: percentile(liveLatencies, 50),
          p95: percentile(liveLatencies, 95),
          p99: percentile(liveLatencies, 99),
        },
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await assigned.reader.stop();
    await events.close();
    await service.close();
    await cleanUpRun(runId);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);

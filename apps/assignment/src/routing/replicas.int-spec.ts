import { type EventEnvelope, Topic } from '@relaydesk/contracts';
import {
  cleanUpRun,
  isolatedEnv,
  type RunningService,
  testRunId,
  type TopicReader,
  waitFor,
} from '@relaydesk/testing';
import {
  Api,
  assignmentConfig,
  classified,
  Events,
  readTopic,
  sql,
  startAssignment,
} from '../../test/harness';

const runId = testRunId();
const env = isolatedEnv(runId, 'assignment');
const prefix = env['KAFKA_TOPIC_PREFIX'];
const schema = env['DB_SCHEMA'];
const AGENTS = 20;
const INQUIRIES = 500;
const CAPACITY = 4;

describe('two replicas racing on the same queues', () => {
  const replicas: RunningService[] = [];
  let events: Events;
  let assigned: { reader: TopicReader; events: () => EventEnvelope[] };

  beforeAll(async () => {
    const config = assignmentConfig({
      ...env,
      LANGUAGE_FALLBACK_SECONDS: '600',
      NO_REPLY_TIMEOUT_SECONDS: '600',
    });
    replicas.push(await startAssignment(config), await startAssignment(config));
    events = await Events.connect(prefix);
    assigned = await readTopic(prefix, Topic.InquiryAssigned);
  });

  afterAll(async () => {
    await assigned?.reader.stop();
    await events?.close();
    for (const replica of replicas) await replica.close();
    await cleanUpRun(runId);
  });

  it(`assigns ${INQUIRIES} inquiries to ${AGENTS} agents exactly once each, never over capacity`, async () => {
    const apis = replicas.map((replica) => new Api(replica.url));
    const languages = ['en', 'ja', 'ko', 'es'];
    const categories = ['trading', 'account', 'deposit_withdrawal', 'technical'] as const;
    // Agents come online through both replicas while inquiries flow in: both replicas dispatch at once.
    const sent = Array.from({ length: INQUIRIES }, (_, index) =>
      classified({
        language: languages[index % languages.length],
        category: categories[Math.floor(index / 4) % categories.length],
        priority: (['urgent', 'high', 'normal', 'low'] as const)[index % 3],
      }),
    );
    const half = sent.slice(0, INQUIRIES / 2);
    await events.send(Topic.InquiryClassified, ...half);
    // The first half waits before any agent is online, so the agents coming online fill up at once.
    await waitFor(
      async () => {
        const [waiting] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".inquiries`);
        return waiting.n === INQUIRIES / 2;
      },
      { timeoutMs: 50_000, what: 'the first half waiting' },
    );
    await Promise.all(
      Array.from({ length: AGENTS }, (_, index) =>
        apis[index % 2].putAgent(
          `agent-${index}`,
          {
            languages: [languages[index % languages.length], 'en'],
            skills: [...categories],
            capacity: CAPACITY,
          },
          'online',
        ),
      ),
    );
    await events.send(Topic.InquiryClassified, ...sent.slice(INQUIRIES / 2));
    // Agents resolve what they get, through either replica, which frees capacity and triggers more dispatches.
    const resolved = new Set<string>();
    await waitFor(
      async () => {
        const held = await sql<{ id: string; agent_id: string }>(
          `SELECT id, agent_id FROM "${schema}".inquiries WHERE status = 'assigned'`,
        );
        await Promise.all(
          held.map(async (row, index) => {
            if (resolved.has(row.id)) return;
            resolved.add(row.id);
            expect(await apis[index % 2].resolve(row.id, row.agent_id)).toBe(200);
          }),
        );
        return resolved.size === INQUIRIES;
      },
      { timeoutMs: 50_000, intervalMs: 100, what: 'every inquiry assigned and resolved' },
    );
    const rows = await sql<{ inquiry_id: string; n: number }>(
      `SELECT inquiry_id, count(*)::int AS n FROM "${schema}".assignments GROUP BY inquiry_id`,
    );
    expect(rows).toHaveLength(INQUIRIES);
    expect(rows.filter((row) => row.n !== 1)).toEqual([]);
    const published = await waitFor(() => assigned.events().length >= INQUIRIES && assigned.events(), {
      what: 'assigned events',
    });
    // Give a duplicate publication a moment to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(assigned.events()).toHaveLength(INQUIRIES);
    expect(new Set(published.map((event) => event.inquiryId)).size).toBe(INQUIRIES);
    const agents = await sql<{ id: string; peak_load: number; load: number; capacity: number }>(
      `SELECT id, peak_load, load, capacity FROM "${schema}".agents`,
    );
    expect(agents).toHaveLength(AGENTS);
    for (const agent of agents) {
      expect(agent.peak_load).toBeLessThanOrEqual(agent.capacity);
      expect(agent.load).toBe(0);
    }
    // Capacity was actually contended: agents were full at some point.
    expect(Math.max(...agents.map((agent) => agent.peak_load))).toBe(CAPACITY);
  });
});

import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { Redis } from 'ioredis';

export const TEST_DATABASE_URL =
  process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/relaydesk';
export const TEST_KAFKA_BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
export const TEST_REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export function testKafka(clientId = 'relaydesk-test'): Kafka {
  // A generous retry budget: a loaded two-core machine can take seconds to elect leaders of new topics.
  return new Kafka({
    clientId,
    brokers: TEST_KAFKA_BROKERS,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 200, retries: 12 },
  });
}

export async function withPg<T>(work: (client: Client) => Promise<T>, url = TEST_DATABASE_URL): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Removes what a test run left: its schemas, its topics and its Redis keys. */
export async function cleanUpRun(runId: string): Promise<void> {
  await withPg(async (client) => {
    const { rows } = await client.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`,
      [`${runId}\\_%`],
    );
    for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
  }).catch(() => undefined);
  const admin = testKafka().admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${runId}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
  } catch {
    // A topic left behind is harmless: the next run uses another prefix.
  } finally {
    await admin.disconnect();
  }
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${runId}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    // as above
  } finally {
    redis.disconnect();
  }
}

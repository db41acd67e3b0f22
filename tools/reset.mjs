// npm run reset: forget everything the local pipeline stored, so the next `npm start` begins empty.
// Drops the five services' Postgres schemas, deletes the pipeline's Kafka topics (and with them the
// consumer groups' positions) and the Redis keys under REDIS_KEY_PREFIX. Refuses while a service runs.
import { createRequire } from 'node:module';
import { SERVICES } from './services.mjs';
import { ROOT, say } from './setup.mjs';

const require = createRequire(`${ROOT}/package.json`);
const { Client } = require('pg');
const { Kafka, logLevel } = require('kafkajs');
const Redis = require('ioredis');

const env = process.env;
const DATABASE_URL = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/relaydesk';
const REDIS_URL = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REDIS_KEY_PREFIX = env.REDIS_KEY_PREFIX ?? 'relaydesk';
const BROKERS = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const PREFIX = env.KAFKA_TOPIC_PREFIX ?? '';
// The catalog's families (libs/contracts), with their dead-letter topics.
const PIPELINE_TOPIC = new RegExp(
  `^${PREFIX.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(inquiry|sla|notification)\\.[a-z-]+\\.v\\d+(\\.dlq)?$`,
);

async function running() {
  const answers = await Promise.all(
    SERVICES.map((service) =>
      fetch(`http://127.0.0.1:${service.port}/health/live`, { signal: AbortSignal.timeout(1_000) }).then(
        () => service.name,
        () => undefined,
      ),
    ),
  );
  return answers.filter(Boolean);
}

async function main() {
  const up = await running();
  if (up.length > 0) throw new Error(`stop the pipeline first (${up.join(', ')} answering)`);

  const pg = new Client({ connectionString: DATABASE_URL });
  await pg.connect();
  for (const service of SERVICES) {
    const schema = service.name.replace(/-/g, '_');
    await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
  await pg.end();
  say(`dropped the schemas ${SERVICES.map((service) => service.name.replace(/-/g, '_')).join(', ')}`);

  const admin = new Kafka({
    clientId: 'relaydesk-reset',
    brokers: BROKERS,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((topic) => PIPELINE_TOPIC.test(topic));
  if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  const groups = (await admin.listGroups()).groups
    .map((group) => group.groupId)
    .filter((id) => SERVICES.some((service) => id === `relaydesk-${service.name}`));
  if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
  await admin.disconnect();
  say(`deleted ${topics.length} Kafka topics and ${groups.length} consumer groups`);

  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${REDIS_KEY_PREFIX}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
  say(`deleted ${deleted} Redis keys under ${REDIS_KEY_PREFIX}:`);
}

main().catch((error) => {
  process.stderr.write(`relaydesk reset: ${error.message}\n`);
  process.exit(1);
});

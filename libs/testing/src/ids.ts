import { randomBytes } from 'node:crypto';

/** A short unique id for one test run: schema, topic prefix and key prefix are derived from it. */
export function testRunId(): string {
  return `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Environment variables that isolate a test run on the shared Kafka, Postgres and Redis. */
export function isolatedEnv(runId: string, service: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'warn',
    DB_SCHEMA: `${runId}_${service.replace(/-/g, '_')}`,
    KAFKA_TOPIC_PREFIX: `${runId}.`,
    KAFKA_GROUP_ID: `${runId}-${service}`,
    REDIS_KEY_PREFIX: `${runId}`,
    KAFKA_PARTITIONS: '3',
    CONSUMER_RETRY_BASE_MS: '50',
  };
}

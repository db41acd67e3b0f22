import { z } from 'zod';

/** Variables every service reads. Each app extends this with its own. */
export const baseEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  DATABASE_URL: z.url().default('postgres://postgres@127.0.0.1:5432/relaydesk'),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default('relaydesk'),
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((value) => value.split(',').map((broker) => broker.trim()))
    .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'host:port list, comma-separated')).min(1)),
  KAFKA_TOPIC_PREFIX: z.string().default(''),
  KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(6),
  /** How long the broker may hold a fetch when there is nothing to read (data is answered at once). */
  KAFKA_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(10).max(10_000).default(1_000),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(5).default(1),
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(30_000),
  /** Partitions a consumer handles at once (order is kept within each partition). */
  CONSUMER_PARTITION_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(6),
  /** Events of one partition handled in one Postgres transaction; 1 turns batching off. */
  CONSUMER_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(100),
  /** A batch transaction commits after this long even if more events are at hand. */
  CONSUMER_BATCH_MAX_MS: z.coerce.number().int().min(1).max(10_000).default(100),
  DB_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(20),
  CONSUMER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  CONSUMER_RETRY_BASE_MS: z.coerce.number().int().min(1).max(60_000).default(200),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
});
export type BaseEnv = z.output<typeof baseEnvSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface ServiceConfigDefinition<S extends z.ZodObject> {
  /** The service's name: the default schema, Kafka client id and consumer group. */
  name: string;
  defaultPort: number;
  /** The service's own variables, merged over the base ones. */
  schema: S;
  /** Variables holding secrets, with their local default values: refused in production. */
  defaultSecrets?: Partial<Record<keyof z.output<S> & string, string>>;
}

export type ServiceConfig<S extends z.ZodObject> = BaseEnv &
  z.output<S> & {
    SERVICE_NAME: string;
    PORT: number;
    DB_SCHEMA: string;
    KAFKA_CLIENT_ID: string;
    KAFKA_GROUP_ID: string;
  };

/**
 * Reads, validates and types a service's environment. Every problem names its variable, so a
 * misconfigured deployment fails at start-up with a message an operator can act on.
 */
export function loadServiceConfig<S extends z.ZodObject>(
  definition: ServiceConfigDefinition<S>,
  env: NodeJS.ProcessEnv = process.env,
): ServiceConfig<S> {
  const identifier = definition.name.replace(/-/g, '_');
  const schema = baseEnvSchema.extend(definition.schema.shape).extend({
    PORT: z.coerce.number().int().min(0).max(65535).default(definition.defaultPort),
    DB_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case Postgres identifier')
      .default(identifier),
    KAFKA_CLIENT_ID: z.string().min(1).default(`relaydesk-${definition.name}`),
    KAFKA_GROUP_ID: z.string().min(1).default(`relaydesk-${definition.name}`),
  });
  // An empty variable means "not set": shells and compose files often export VAR= .
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const variable = issue.path.join('.');
        const given = cleaned[variable];
        return `${variable}: ${issue.message}${given === undefined ? '' : ` (got ${JSON.stringify(given)})`}`;
      }),
    );
  }
  const config: Record<string, unknown> = {
    ...parsed.data,
    SERVICE_NAME: definition.name,
  };
  if (config['NODE_ENV'] === 'production') {
    const problems = Object.entries(definition.defaultSecrets ?? {})
      .filter(([variable, value]) => String(config[variable]) === value)
      .map(
        ([variable]) => `${variable}: the local default secret is refused in production; set a real secret`,
      );
    if (problems.length > 0) throw new ConfigError(problems);
  }
  return config as unknown as ServiceConfig<S>;
}

import { loadServiceConfig, type ServiceConfig } from '@relaydesk/runtime';
import { z } from 'zod';

const SlaTimerEnvSchema = z.object({
  AGENT_JWT_SECRET: z.string().min(8).default('dev-agent-secret'),
  /** How often every replica sweeps Postgres for clocks whose timer should already have fired. */
  SLA_REARM_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** How often the replica checks that Redis still holds its timers (a marker key); if not, re-arms all. */
  SLA_REDIS_WATCH_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  /** Timer jobs a replica takes from BullMQ at once (they are fired in batches, see below). */
  SLA_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(2_000).default(256),
  /** At most this many due timers fired in one Postgres transaction. */
  SLA_FIRE_BATCH_SIZE: z.coerce.number().int().min(1).max(2_000).default(200),
  /** Firing transactions a replica runs at once. */
  SLA_FIRE_PARALLEL_BATCHES: z.coerce.number().int().min(1).max(16).default(2),
  /** Escalation levels up to this one raise the priority one step. */
  SLA_RAISE_PRIORITY_UP_TO_LEVEL: z.coerce.number().int().min(0).max(10).default(1),
  /** From this escalation level on the inquiry must be re-routed to a senior agent. */
  SLA_SENIOR_FROM_LEVEL: z.coerce.number().int().min(1).max(10).default(2),
});

export type SlaTimerConfig = ServiceConfig<typeof SlaTimerEnvSchema>;

export function loadSlaTimerConfig(env: NodeJS.ProcessEnv = process.env): SlaTimerConfig {
  return loadServiceConfig(
    {
      name: 'sla-timer',
      defaultPort: 3005,
      schema: SlaTimerEnvSchema,
      defaultSecrets: { AGENT_JWT_SECRET: 'dev-agent-secret' },
    },
    env,
  );
}

import { loadServiceConfig, type ServiceConfig } from '@relaydesk/runtime';
import { z } from 'zod';

const SlaTimerEnvSchema = z.object({
  AGENT_JWT_SECRET: z.string().min(8).default('dev-agent-secret'),
  /** How often every replica sweeps Postgres for clocks whose timer should already have fired. */
  SLA_REARM_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** How often the replica checks that Redis still holds its timers (a marker key); if not, re-arms all. */
  SLA_REDIS_WATCH_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  /**
   * Instants are grouped into ticks this long: one BullMQ job per tick fires every warning and breach due
   * by its end, so a timer fires at most this much after its instant (plus the time to fire).
   */
  SLA_TICK_MS: z.coerce.number().int().min(10).max(10_000).default(100),
  /** At most this many due timers fired in one Postgres transaction. */
  SLA_FIRE_BATCH_SIZE: z.coerce.number().int().min(1).max(5_000).default(500),
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

import { loadServiceConfig, type ServiceConfig } from '@relaydesk/runtime';
import { z } from 'zod';

const SlaTimerEnvSchema = z.object({
  AGENT_JWT_SECRET: z.string().min(8).default('dev-agent-secret'),
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

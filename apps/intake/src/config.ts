import { loadServiceConfig, type ServiceConfig } from '@relaydesk/runtime';
import { z } from 'zod';

const IntakeEnvSchema = z.object({
  ADAPTER_SECRETS: z.string().default('demo=demo-secret'),
});

export type IntakeConfig = ServiceConfig<typeof IntakeEnvSchema>;

export function loadIntakeConfig(env: NodeJS.ProcessEnv = process.env): IntakeConfig {
  return loadServiceConfig(
    {
      name: 'intake',
      defaultPort: 3001,
      schema: IntakeEnvSchema,
      defaultSecrets: { ADAPTER_SECRETS: 'demo=demo-secret' },
    },
    env,
  );
}

import { loadServiceConfig, type ServiceConfig } from '@relaydesk/runtime';
import { z } from 'zod';

const AssignmentEnvSchema = z.object({
  AGENT_JWT_SECRET: z.string().min(8).default('dev-agent-secret'),
});

export type AssignmentConfig = ServiceConfig<typeof AssignmentEnvSchema>;

export function loadAssignmentConfig(env: NodeJS.ProcessEnv = process.env): AssignmentConfig {
  return loadServiceConfig(
    {
      name: 'assignment',
      defaultPort: 3003,
      schema: AssignmentEnvSchema,
      defaultSecrets: { AGENT_JWT_SECRET: 'dev-agent-secret' },
    },
    env,
  );
}

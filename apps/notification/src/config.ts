import { loadServiceConfig, type ServiceConfig } from '@relaydesk/runtime';
import { z } from 'zod';

const NotificationEnvSchema = z.object({
  AGENT_JWT_SECRET: z.string().min(8).default('dev-agent-secret'),
});

export type NotificationConfig = ServiceConfig<typeof NotificationEnvSchema>;

export function loadNotificationConfig(env: NodeJS.ProcessEnv = process.env): NotificationConfig {
  return loadServiceConfig(
    {
      name: 'notification',
      defaultPort: 3004,
      schema: NotificationEnvSchema,
      defaultSecrets: { AGENT_JWT_SECRET: 'dev-agent-secret' },
    },
    env,
  );
}

import { loadServiceConfig, type ServiceConfig } from '@relaydesk/runtime';
import { z } from 'zod';

const ClassifierEnvSchema = z.object({
  CLASSIFIER_REVIEW_THRESHOLD: z.coerce.number().min(0).max(1).default(0.5),
});

export type ClassifierConfig = ServiceConfig<typeof ClassifierEnvSchema>;

export function loadClassifierConfig(env: NodeJS.ProcessEnv = process.env): ClassifierConfig {
  return loadServiceConfig(
    { name: 'classifier', defaultPort: 3002, schema: ClassifierEnvSchema, defaultSecrets: {} },
    env,
  );
}

import { loadServiceConfig, type ServiceConfig } from '@relaydesk/runtime';
import { z } from 'zod';

const AssignmentEnvSchema = z.object({
  AGENT_JWT_SECRET: z.string().min(8).default('dev-agent-secret'),
  /** How long an inquiry waits for an agent speaking its language before a skilled English speaker may take it. */
  LANGUAGE_FALLBACK_SECONDS: z.coerce.number().min(0).max(86_400).default(120),
  /** The language of the fallback (the agent gets the inquiry flagged `translationNeeded`). */
  FALLBACK_LANGUAGE: z
    .string()
    .regex(/^[a-z]{2}$/, 'an ISO 639-1 language code')
    .default('en'),
  /** An assigned inquiry without a first reply from its agent after this long goes back to the queue. */
  NO_REPLY_TIMEOUT_SECONDS: z.coerce
    .number()
    .min(1)
    .max(7 * 86_400)
    .default(900),
  /** Interval of the keep-alive comments of the agent event stream. */
  SSE_KEEPALIVE_SECONDS: z.coerce.number().min(1).max(300).default(15),
  /** How many waiting inquiries one dispatch step reads from a routing queue at a time. */
  DISPATCH_PAGE_SIZE: z.coerce.number().int().min(10).max(5_000).default(500),
  /** Concurrent timer jobs (language fallback, no-reply) per replica. */
  TIMER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
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

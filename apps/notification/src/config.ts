import { loadServiceConfig, type ServiceConfig } from '@relaydesk/runtime';
import { z } from 'zod';

const PAIRS = /^\s*[^=,\s]+\s*=\s*[^,\s]+\s*(,\s*[^=,\s]+\s*=\s*[^,\s]+\s*)*$/;

/** `id=value,id=value` (adapter callbacks, adapter secrets) as a map. */
export function parsePairs(value: string): Map<string, string> {
  return new Map(
    value
      .split(',')
      .map((pair) => pair.trim())
      .filter((pair) => pair.length > 0)
      .map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()] as const;
      }),
  );
}

const commaList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  )
  .pipe(z.array(z.email()));

const NotificationEnvSchema = z.object({
  AGENT_JWT_SECRET: z.string().min(8).default('dev-agent-secret'),
  /** Shared with intake: opens `trackingTokenSealed` of inquiry.received.v1. */
  TRACKING_TOKEN_KEY: z.string().min(8).default('dev-tracking-key'),
  /** Base of the customer's tracking link: `${STATUS_PAGE_URL}/inquiries/{id}?token=...`. */
  STATUS_PAGE_URL: z
    .url()
    .default('http://localhost:3001')
    .transform((url) => url.replace(/\/+$/, '')),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'an smtp:// or smtps:// URL')
    .default('smtp://127.0.0.1:2525'),
  MAIL_FROM: z.string().min(3).default('relaydesk support <support@relaydesk.local>'),
  SMTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(100).default(5),
  /** Where social, chat and form messages go: `adapterId=url,...`. */
  ADAPTER_CALLBACKS: z
    .string()
    .regex(PAIRS, 'id=url pairs, comma-separated')
    .default('demo=http://127.0.0.1:4010/relaydesk/messages'),
  /** The same secrets adapters sign their requests to intake with: `adapterId=secret,...`. */
  ADAPTER_SECRETS: z.string().regex(PAIRS, 'id=secret pairs, comma-separated').default('demo=demo-secret'),
  /** Agents are mailed at `${agentId}@${AGENT_EMAIL_DOMAIN}`. */
  AGENT_EMAIL_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'a domain name')
    .default('agents.relaydesk.local'),
  SUPERVISOR_EMAILS: commaList.default(['supervisors@relaydesk.local']),
  /** A chat tool's incoming webhook for agent and supervisor alerts; unset: alerts go by email only. */
  AGENT_WEBHOOK_URL: z.url().optional(),
  AGENT_WEBHOOK_SECRET: z.string().min(8).default('dev-agent-webhook-secret'),
  /** The language of alerts to agents and supervisors. */
  AGENT_LANGUAGE: z
    .string()
    .regex(/^[a-z]{2}$/)
    .default('en'),
  /** How long the acknowledgement waits for the classification and the SLA deadlines. */
  ACK_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
  DELIVERY_BACKOFF_BASE_MS: z.coerce.number().int().min(1).max(600_000).default(2_000),
  DELIVERY_BACKOFF_MAX_MS: z.coerce.number().int().min(1).max(86_400_000).default(600_000),
  EMAIL_RATE_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(100),
  WEBHOOK_RATE_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(5_000),
  EMAIL_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(10),
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(100),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** How often queued deliveries without a job (enqueue lost to a crash) are enqueued again. */
  DELIVERY_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
});

export type NotificationConfig = ServiceConfig<typeof NotificationEnvSchema>;

export function loadNotificationConfig(env: NodeJS.ProcessEnv = process.env): NotificationConfig {
  return loadServiceConfig(
    {
      name: 'notification',
      defaultPort: 3004,
      schema: NotificationEnvSchema,
      defaultSecrets: {
        AGENT_JWT_SECRET: 'dev-agent-secret',
        TRACKING_TOKEN_KEY: 'dev-tracking-key',
        AGENT_WEBHOOK_SECRET: 'dev-agent-webhook-secret',
        ADAPTER_SECRETS: 'demo=demo-secret',
      },
    },
    env,
  );
}

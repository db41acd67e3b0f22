import { ConfigError, loadServiceConfig, type ServiceConfig } from '@relaydesk/runtime';
import { z } from 'zod';

/** `id=value,id=value` into a map; ids are adapter ids (no spaces, no `=` or `,`). */
function keyValueList<V extends z.ZodType>(value: V) {
  return z.string().transform((text, ctx) => {
    const entries = new Map<string, z.output<V>>();
    for (const part of text.split(',').map((item) => item.trim())) {
      if (part === '') continue;
      const at = part.indexOf('=');
      const id = part.slice(0, at).trim();
      const parsed = value.safeParse(part.slice(at + 1).trim());
      if (at <= 0 || !/^[A-Za-z0-9._-]{1,200}$/.test(id) || !parsed.success) {
        ctx.addIssue({
          code: 'custom',
          message: `expected id=value pairs, comma-separated; bad entry "${id}"`,
        });
        return z.NEVER;
      }
      entries.set(id, parsed.data);
    }
    return entries;
  });
}

const IntakeEnvSchema = z.object({
  /** `id=secret,...`: the HMAC secret of each channel adapter. */
  ADAPTER_SECRETS: z.string().default('demo=demo-secret'),
  /** Key sealing the tracking token (in the event for notification, and at rest for duplicate answers). */
  TRACKING_TOKEN_KEY: z.string().min(8).default('dev-tracking-key'),
  /** Signed posts accepted per second and adapter; more is answered 429 with Retry-After. */
  ADAPTER_RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(1).default(2_000),
  /** Per-adapter overrides of the rate limit: `id=perSecond,...`. */
  ADAPTER_RATE_LIMITS: z.string().default(''),
  /** Seconds between keep-alive comments on an open event stream. */
  SSE_KEEPALIVE_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
});

const adapterSecretsSchema = keyValueList(z.string().min(8, 'a secret of at least 8 characters'));
const adapterLimitsSchema = keyValueList(z.coerce.number().int().min(1));

export type IntakeConfig = ServiceConfig<typeof IntakeEnvSchema> & {
  adapterSecrets: ReadonlyMap<string, string>;
  adapterRateLimits: ReadonlyMap<string, number>;
};

export function loadIntakeConfig(env: NodeJS.ProcessEnv = process.env): IntakeConfig {
  const config = loadServiceConfig(
    {
      name: 'intake',
      defaultPort: 3001,
      schema: IntakeEnvSchema.extend({
        ADAPTER_SECRETS: IntakeEnvSchema.shape.ADAPTER_SECRETS.refine(
          (text) => adapterSecretsSchema.safeParse(text).success && adapterSecretsSchema.parse(text).size > 0,
          'expected id=secret pairs (secrets of at least 8 characters), comma-separated',
        ),
        ADAPTER_RATE_LIMITS: IntakeEnvSchema.shape.ADAPTER_RATE_LIMITS.refine(
          (text) => adapterLimitsSchema.safeParse(text).success,
          'expected id=perSecond pairs, comma-separated',
        ),
      }),
      defaultSecrets: { ADAPTER_SECRETS: 'demo=demo-secret', TRACKING_TOKEN_KEY: 'dev-tracking-key' },
    },
    env,
  );
  const adapterSecrets = adapterSecretsSchema.parse(config.ADAPTER_SECRETS);
  if (config.NODE_ENV === 'production' && [...adapterSecrets.values()].includes('demo-secret')) {
    // The exact-match check above misses the local default hidden in a longer list.
    throw new ConfigError([
      'ADAPTER_SECRETS: the local default secret is refused in production; set a real secret',
    ]);
  }
  return {
    ...config,
    adapterSecrets,
    adapterRateLimits: adapterLimitsSchema.parse(config.ADAPTER_RATE_LIMITS),
  };
}

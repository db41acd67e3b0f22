import { JwtService } from '@nestjs/jwt';
import { AgentRole, valuesOf } from '@relaydesk/contracts';
import { signAgentToken } from '@relaydesk/runtime';
import { parseArgs } from 'node:util';
import { z } from 'zod';

/**
 * `npm run -s token -- --sub ID --role ROLE [--ttl SECONDS]`: prints an agent JWT for local use, signed
 * with AGENT_JWT_SECRET (local default `dev-agent-secret`).
 */
const argsSchema = z.object({
  sub: z.string().min(1, '--sub is required'),
  role: z.enum(valuesOf(AgentRole), { message: `--role is one of ${valuesOf(AgentRole).join(', ')}` }),
  ttl: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 86_400)
    .default(8 * 3600),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { sub: { type: 'string' }, role: { type: 'string' }, ttl: { type: 'string' } },
    strict: true,
  });
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    process.stderr.write(
      `usage: npm run -s token -- --sub ID --role agent|supervisor|admin [--ttl SECONDS]\n${parsed.error.issues
        .map((issue) => `  ${issue.message}`)
        .join('\n')}\n`,
    );
    process.exit(2);
  }
  const secret = process.env['AGENT_JWT_SECRET'] || 'dev-agent-secret';
  const token = await signAgentToken(
    new JwtService({}),
    { sub: parsed.data.sub, role: parsed.data.role },
    secret,
    parsed.data.ttl,
  );
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

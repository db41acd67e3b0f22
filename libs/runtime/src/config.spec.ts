import { z } from 'zod';
import { ConfigError, loadServiceConfig } from './config';

const definition = {
  name: 'sla-timer',
  defaultPort: 3005,
  schema: z.object({ AGENT_JWT_SECRET: z.string().min(8).default('dev-agent-secret') }),
  defaultSecrets: { AGENT_JWT_SECRET: 'dev-agent-secret' },
};

describe('service configuration', () => {
  it('works with no variable set, with local defaults', () => {
    const config = loadServiceConfig(definition, {});
    expect(config).toMatchObject({
      PORT: 3005,
      DB_SCHEMA: 'sla_timer',
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      KAFKA_GROUP_ID: 'relaydesk-sla-timer',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/relaydesk',
      NODE_ENV: 'development',
    });
  });

  it('names each bad variable and what it got', () => {
    const attempt = () =>
      loadServiceConfig(definition, { PORT: 'eighty', KAFKA_BROKERS: 'localhost', LOG_LEVEL: 'loud' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as ConfigError).message;
      expect(message).toMatch(/PORT: .*\(got "eighty"\)/);
      expect(message).toMatch(/KAFKA_BROKERS/);
      expect(message).toMatch(/LOG_LEVEL: .*\(got "loud"\)/);
    }
  });

  it('refuses to start in production with a local default secret, and starts with a real one', () => {
    expect(() => loadServiceConfig(definition, { NODE_ENV: 'production' })).toThrow(
      /AGENT_JWT_SECRET: the local default secret is refused in production/,
    );
    expect(
      loadServiceConfig(definition, { NODE_ENV: 'production', AGENT_JWT_SECRET: 'a-real-long-secret' })
        .NODE_ENV,
    ).toBe('production');
  });

  it('treats an empty variable as unset', () => {
    expect(loadServiceConfig(definition, { PORT: '' }).PORT).toBe(3005);
  });
});

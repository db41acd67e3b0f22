import { type DynamicModule, Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type BaseEnv, ReadinessRegistry } from '@relaydesk/runtime';
import { Redis } from 'ioredis';

export const REDIS = Symbol('REDIS');

export function createRedis(url: string): Redis {
  // BullMQ needs maxRetriesPerRequest: null on connections it blocks on; harmless elsewhere.
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

/** One shared ioredis connection (BullMQ queues and workers open their own from `REDIS_URL`). */
@Module({})
export class RedisModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly readiness: ReadinessRegistry,
  ) {}

  static forRoot(): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [{ provide: REDIS, inject: [APP_CONFIG], useFactory: (config: BaseEnv) => createRedis(config.REDIS_URL) }],
      exports: [REDIS],
    };
  }

  onModuleInit(): void {
    this.readiness.register('redis', async () => {
      const answer = await this.redis.ping();
      if (answer !== 'PONG') throw new Error(`unexpected answer ${String(answer)}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

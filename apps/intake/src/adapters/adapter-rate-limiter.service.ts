import { Inject, Injectable, Logger } from '@nestjs/common';
import { REDIS } from '@relaydesk/persistence';
import { APP_CONFIG } from '@relaydesk/runtime';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { IntakeConfig } from '../config';

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Per-adapter rate limit shared by every intake replica (a Redis counter per adapter and second).
 * Should Redis be unreachable, each replica falls back to its own in-memory limit instead of refusing
 * or hanging every post.
 */
@Injectable()
export class AdapterRateLimiter {
  private readonly logger = new Logger(AdapterRateLimiter.name);
  private readonly limiters = new Map<string, RateLimiterRedis>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: IntakeConfig,
  ) {}

  async consume(adapterId: string): Promise<RateDecision> {
    try {
      await this.limiterOf(adapterId).consume(adapterId);
      return { allowed: true };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
      }
      throw rejection;
    }
  }

  private limiterOf(adapterId: string): RateLimiterRedis {
    let limiter = this.limiters.get(adapterId);
    if (!limiter) {
      const points =
        this.config.adapterRateLimits.get(adapterId) ?? this.config.ADAPTER_RATE_LIMIT_PER_SECOND;
      limiter = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: `${this.config.REDIS_KEY_PREFIX}:intake:adapter-rate`,
        points,
        duration: 1,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points, duration: 1 }),
      });
      this.logger.debug(`rate limit of adapter ${adapterId}: ${points}/s`);
      this.limiters.set(adapterId, limiter);
    }
    return limiter;
  }
}

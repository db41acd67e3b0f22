import { type DynamicModule, Global, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { BaseEnv } from './config';
import { currentContext } from './context';
import { HealthController } from './health.controller';
import { HttpMetricsMiddleware, MetricsController } from './metrics';
import { ReadinessRegistry } from './readiness.registry';
import { APP_CONFIG } from './tokens';

const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * Logging (JSON lines with correlation and inquiry ids), health, metrics and the validated
 * configuration: what every relaydesk service has.
 */
@Global()
@Module({})
export class RuntimeModule implements NestModule {
  static forRoot(config: BaseEnv & { SERVICE_NAME: string }): DynamicModule {
    return {
      module: RuntimeModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        LoggerModule.forRoot({
          pinoHttp: {
            name: config.SERVICE_NAME,
            level: config.LOG_LEVEL,
            ...(config.LOG_FORMAT === 'pretty'
              ? {
                  transport: {
                    target: 'pino-pretty',
                    options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' },
                  },
                }
              : {}),
            mixin: () => ({ ...currentContext() }),
            genReqId: (req: IncomingMessage) => {
              const header = req.headers['x-correlation-id'];
              return typeof header === 'string' && header.length > 0 ? header : randomUUID();
            },
            // Only method, url and status: never bodies, signatures, tokens or customer data.
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({
                id: req.id,
                method: req.method,
                url: req.url,
              }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
            autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.has(req.url ?? '') },
          },
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [{ provide: APP_CONFIG, useValue: config }, ReadinessRegistry],
      exports: [APP_CONFIG, ReadinessRegistry],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}

import type { CustomTransportStrategy } from '@nestjs/microservices';
import { type DynamicModule, type INestApplication, type Type, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { BaseEnv } from './config';
import { runInContext } from './context';
import { initMetrics } from './metrics';
import { connectTransports } from './transports';

export interface ServiceBootstrapOptions {
  config: BaseEnv & { SERVICE_NAME: string; PORT: number };
  /** OpenAPI document shown at /docs. */
  openApi: { title: string; description: string; bearerAuth?: boolean };
  /** Microservice transports (Kafka consumers) taken from the app's container and started with it. */
  transports?: Type<CustomTransportStrategy>[];
  /** Body size limit of JSON requests (default 64kb: larger is answered 413). */
  bodyLimit?: string;
  /** Last changes to the app before it listens (parsers, filters...). */
  configure?: (app: INestApplication) => void;
}

/** Correlation id of a request: the caller's, or a new one; echoed back in the response. */
function correlationMiddleware(req: Request, res: Response, next: NextFunction): void {
  const header = req.headers['x-correlation-id'];
  const correlationId =
    typeof header === 'string' && header.length > 0 && header.length <= 200 ? header : randomUUID();
  res.setHeader('x-correlation-id', correlationId);
  runInContext({ correlationId }, next);
}

export function buildOpenApiDocument(app: INestApplication, options: ServiceBootstrapOptions['openApi']) {
  let builder = new DocumentBuilder()
    .setTitle(options.title)
    .setDescription(options.description)
    .setVersion('1');
  if (options.bearerAuth) builder = builder.addBearerAuth();
  return SwaggerModule.createDocument(app, builder.build());
}

/**
 * Creates and wires a service without listening: JSON logs, correlation ids, OpenAPI at /docs, Kafka
 * consumers connected. Tests use this and listen on a free port.
 */
export async function createService(
  rootModule: Type<unknown> | DynamicModule,
  options: ServiceBootstrapOptions,
): Promise<INestApplication> {
  const { config } = options;
  initMetrics(config.SERVICE_NAME);
  // rawBody: intake verifies HMAC signatures over the exact bytes received.
  const app = await NestFactory.create<NestExpressApplication>(rootModule, {
    bufferLogs: true,
    rawBody: true,
  });
  app.useBodyParser('json', { limit: options.bodyLimit ?? '64kb' });
  app.useLogger(app.get(Logger));
  app.use(correlationMiddleware);
  app.enableVersioning({ type: VersioningType.URI });
  options.configure?.(app);
  connectTransports(app, options.transports ?? []);
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app, options.openApi), {
    jsonDocumentUrl: 'docs-json',
  });
  return app;
}

/**
 * Creates and starts a service, with graceful shutdown on SIGTERM: stop taking work, finish and
 * commit what is in hand, then exit.
 */
export async function bootstrapService(
  rootModule: Type<unknown> | DynamicModule,
  options: ServiceBootstrapOptions,
): Promise<INestApplication> {
  const { config } = options;
  const app = await createService(rootModule, options);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  const forceExit = () => {
    // If a connection refuses to close, do not hang an orchestrator's rollout forever.
    setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS).unref();
  };
  process.once('SIGTERM', forceExit);
  process.once('SIGINT', forceExit);

  await app.startAllMicroservices();
  await app.listen(config.PORT, config.HOST);
  app.get(Logger).log(`${config.SERVICE_NAME} listening on http://${config.HOST}:${config.PORT}`);
  return app;
}

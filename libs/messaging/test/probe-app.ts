import { Controller, type DynamicModule, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type EventEnvelope, Topic } from '@relaydesk/contracts';
import { DatabaseModule, migrationSchema } from '@relaydesk/persistence';
import { connectTransports, loadServiceConfig, RuntimeModule, type ServiceConfig } from '@relaydesk/runtime';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { z } from 'zod';
import {
  EventContext,
  type HandlerOutcome,
  InboxService,
  KafkaEventServer,
  MessagingModule,
  MessagingTables1764000000000,
  NonRetryableError,
} from '../src';

/**
 * A small service for the messaging lib's integration tests: it consumes `inquiry.resolved.v1` and
 * records a side effect per handled event. `resolvedBy` steers the handler:
 * `ok`, `fail-twice` (fails on attempts 1 and 2), `always-fail`, `reject` (non-retryable), `slow` (150 ms).
 */
const probeSchema = z.object({ PROBE_NAME: z.string().default('main') });
export type ProbeConfig = ServiceConfig<typeof probeSchema>;

export function probeConfig(env: Record<string, string>): ProbeConfig {
  return loadServiceConfig(
    { name: 'probe', defaultPort: 0, schema: probeSchema },
    { ...process.env, ...env },
  );
}

class ProbeTables1764000000001 implements MigrationInterface {
  name = 'ProbeTables1764000000001';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE ${migrationSchema(queryRunner)}.side_effects (event_id uuid NOT NULL, handled_by text NOT NULL, at timestamptz NOT NULL DEFAULT now())`,
    );
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${migrationSchema(queryRunner)}.side_effects`);
  }
}

@Controller()
class ProbeConsumer {
  constructor(private readonly inbox: InboxService) {}

  @EventPattern(Topic.InquiryResolved)
  async onResolved(
    @Payload() event: EventEnvelope<typeof Topic.InquiryResolved>,
    @Ctx() context: EventContext,
  ): Promise<HandlerOutcome> {
    const mode = event.payload.resolvedBy;
    if (mode === 'fail-twice' && context.attempt <= 2)
      throw new Error(`transient failure on attempt ${context.attempt}`);
    if (mode === 'always-fail') throw new Error('the handler always fails');
    if (mode === 'reject') throw new NonRetryableError('the handler refuses this event');
    if (mode === 'slow') await new Promise((resolve) => setTimeout(resolve, 150));
    return this.inbox.handleOnce('probe', event, async (manager) => {
      const schema = (manager.connection.options as { schema: string }).schema;
      await manager.query(`INSERT INTO "${schema}".side_effects (event_id, handled_by) VALUES ($1, $2)`, [
        event.id,
        process.env['PROBE_NAME'] ?? 'main',
      ]);
    });
  }
}

@Module({})
class ProbeModule {
  static forRoot(config: ProbeConfig): DynamicModule {
    return {
      module: ProbeModule,
      imports: [
        RuntimeModule.forRoot(config),
        DatabaseModule.forRoot({
          entities: [],
          migrations: [MessagingTables1764000000000, ProbeTables1764000000001],
        }),
        MessagingModule.forRoot({ produces: [Topic.InquiryResolved] }),
      ],
      controllers: [ProbeConsumer],
    };
  }
}

export async function startProbeApp(
  config: ProbeConfig,
  options = { consume: true },
): Promise<INestApplication> {
  const app = await NestFactory.create(ProbeModule.forRoot(config), { logger: ['error', 'warn'] });
  if (options.consume) connectTransports(app, [KafkaEventServer]);
  app.enableShutdownHooks();
  await app.startAllMicroservices();
  await app.init();
  return app;
}

import { Controller, type DynamicModule, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type EventEnvelope, Topic } from '@relaydesk/contracts';
import { DatabaseModule, migrationSchema } from '@relaydesk/persistence';
import { connectTransports, loadServiceConfig, RuntimeModule, type ServiceConfig } from '@relaydesk/runtime';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { z } from 'zod';
import {
  afterCommit,
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
 * `ok`, `fail-twice` (fails on attempts 1 and 2), `always-fail`, `reject` (non-retryable), `slow` (150 ms),
 * `fail-inside` (fails on attempt 1 after writing its side effect), `hook-fails` (its after-commit hook
 * fails the first time), `recorded-at-source` (handled with `usuallyRecorded`). Every handled event has
 * an after-commit hook that notes whether the side effect was visible to another connection by then
 * (`hookRuns`); a redelivery found already processed is noted in `repairs`.
 */
/** An `inquiry.resolved.v1` envelope whose `resolvedBy` steers the probe's handler. */
export function probeEvent(
  resolvedBy: string,
  inquiryId: string = randomUUID(),
): EventEnvelope<typeof Topic.InquiryResolved> {
  return {
    id: randomUUID(),
    type: 'inquiry.resolved',
    version: 1,
    occurredAt: new Date().toISOString(),
    inquiryId,
    correlationId: randomUUID(),
    causationId: null,
    payload: { inquiryId, resolvedBy, resolvedAt: new Date().toISOString() },
  };
}

export const hookRuns: { eventId: string; committed: boolean }[] = [];
export const repairs: string[] = [];
const failedHooks = new Set<string>();
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
    const outcome = await this.inbox.handleOnce(
      'probe',
      event,
      async (manager) => {
        const schema = (manager.connection.options as { schema: string }).schema;
        await manager.query(`INSERT INTO "${schema}".side_effects (event_id, handled_by) VALUES ($1, $2)`, [
          event.id,
          process.env['PROBE_NAME'] ?? 'main',
        ]);
        await afterCommit(async () => {
          if (mode === 'hook-fails' && !failedHooks.has(event.id)) {
            failedHooks.add(event.id);
            throw new Error('the after-commit hook fails once');
          }
          const visible: unknown[] = await manager.connection.query(
            `SELECT 1 FROM "${schema}".side_effects WHERE event_id = $1`,
            [event.id],
          );
          hookRuns.push({ eventId: event.id, committed: visible.length === 1 });
        });
        if (mode === 'fail-inside' && context.attempt === 1) throw new Error('fails after its side effect');
      },
      { usuallyRecorded: mode === 'recorded-at-source' },
    );
    if (outcome.outcome === 'skipped') await afterCommit(() => void repairs.push(event.id));
    return outcome;
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

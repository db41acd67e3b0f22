import { migrationSchema } from '@relaydesk/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Who to tell about an inquiry, and the deliveries made to them. */
export class NotificationTables1764100000000 implements MigrationInterface {
  name = 'NotificationTables1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${schema}.recipients (
        inquiry_id uuid PRIMARY KEY,
        received_event_id uuid,
        channel text,
        adapter_id text,
        external_id text,
        thread_id text,
        customer_id text,
        email text,
        handle text,
        name text,
        locale text,
        tier text,
        tracking_token_sealed text,
        received_at timestamptz,
        language text,
        suggested_articles jsonb,
        classified_at timestamptz,
        first_response_due_at timestamptz,
        deadlines_set_at timestamptz,
        agent_id text,
        customer_told_assigned_at timestamptz,
        resolved_at timestamptz,
        acknowledged_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${schema}.deliveries (
        id uuid PRIMARY KEY,
        event_id uuid NOT NULL,
        inquiry_id uuid NOT NULL,
        kind text NOT NULL,
        recipient text NOT NULL,
        recipient_key text NOT NULL,
        transport text,
        address text,
        channel text NOT NULL,
        language text,
        status text NOT NULL DEFAULT 'queued',
        held boolean NOT NULL DEFAULT false,
        variables jsonb NOT NULL,
        message jsonb,
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        failed_at timestamptz,
        UNIQUE (event_id, recipient_key, kind)
      )`);
    await queryRunner.query(
      `CREATE INDEX deliveries_inquiry ON ${schema}.deliveries (inquiry_id, created_at)`,
    );
    await queryRunner.query(
      `CREATE INDEX deliveries_pending ON ${schema}.deliveries (created_at) WHERE status = 'queued' AND NOT held`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${schema}.deliveries`);
    await queryRunner.query(`DROP TABLE ${schema}.recipients`);
  }
}

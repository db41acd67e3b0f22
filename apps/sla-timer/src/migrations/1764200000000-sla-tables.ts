import { migrationSchema } from '@relaydesk/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Policy document versions, the SLA of each inquiry and its clocks. */
export class SlaTables1764200000000 implements MigrationInterface {
  name = 'SlaTables1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${schema}.policy_versions (
        version integer PRIMARY KEY,
        document jsonb NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${schema}.inquiry_slas (
        inquiry_id uuid PRIMARY KEY,
        priority text NOT NULL,
        customer_tier text NOT NULL,
        policy_version integer NOT NULL REFERENCES ${schema}.policy_versions (version),
        policy_key text NOT NULL,
        started_at timestamptz NOT NULL,
        escalation_level integer NOT NULL DEFAULT 0,
        waiting_since timestamptz,
        pauses jsonb NOT NULL DEFAULT '[]',
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${schema}.sla_clocks (
        inquiry_id uuid NOT NULL REFERENCES ${schema}.inquiry_slas (inquiry_id) ON DELETE CASCADE,
        kind text NOT NULL,
        state text NOT NULL,
        due_at timestamptz NOT NULL,
        warn_at timestamptz NOT NULL,
        warned_at timestamptz,
        met_at timestamptz,
        breached_at timestamptz,
        version integer NOT NULL,
        PRIMARY KEY (inquiry_id, kind)
      )`);
    // The re-arm scans open clocks; the overdue sweep asks for the earliest pending instants.
    await queryRunner.query(
      `CREATE INDEX sla_clocks_running_due ON ${schema}.sla_clocks (due_at) WHERE state = 'running'`,
    );
    await queryRunner.query(
      `CREATE INDEX sla_clocks_running_warn ON ${schema}.sla_clocks (warn_at) WHERE state = 'running' AND warned_at IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${schema}.sla_clocks`);
    await queryRunner.query(`DROP TABLE ${schema}.inquiry_slas`);
    await queryRunner.query(`DROP TABLE ${schema}.policy_versions`);
  }
}

import { migrationSchema } from '@relaydesk/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Agents, inquiries with their routing state, assignments and messages. */
export class AssignmentTables1764100000000 implements MigrationInterface {
  name = 'AssignmentTables1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.agents (
        id text PRIMARY KEY,
        name text NOT NULL,
        languages text[] NOT NULL,
        skills text[] NOT NULL,
        capacity int NOT NULL CHECK (capacity >= 0),
        tier text NOT NULL,
        presence text NOT NULL DEFAULT 'offline',
        load int NOT NULL DEFAULT 0 CHECK (load >= 0),
        -- High-water mark of load, written by the same statement that raises load: proof of "never over capacity".
        peak_load int NOT NULL DEFAULT 0,
        last_assigned_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${s}.inquiries (
        id uuid PRIMARY KEY,
        status text NOT NULL,
        channel text,
        customer_tier text NOT NULL DEFAULT 'standard',
        customer_name text,
        customer_locale text,
        subject text,
        accepted_at timestamptz,
        category text,
        priority text,
        language text,
        needs_review boolean NOT NULL DEFAULT false,
        classification jsonb,
        classified_at timestamptz,
        requires_senior boolean NOT NULL DEFAULT false,
        escalation_level int NOT NULL DEFAULT 0,
        routing_seq int NOT NULL DEFAULT 0,
        waiting_since timestamptz,
        ahead boolean NOT NULL DEFAULT false,
        language_fallback boolean NOT NULL DEFAULT false,
        agent_id text,
        assignment_id bigint,
        pool text,
        translation_needed boolean NOT NULL DEFAULT false,
        assigned_at timestamptz,
        first_response_at timestamptz,
        resolved_at timestamptz,
        resolved_by text,
        sla jsonb,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX inquiries_by_agent ON ${s}.inquiries (agent_id) WHERE status IN ('assigned', 'awaiting_customer')`,
    );
    await queryRunner.query(
      `CREATE INDEX inquiries_waiting ON ${s}.inquiries (priority, waiting_since) WHERE status = 'classified'`,
    );
    await queryRunner.query(`
      CREATE TABLE ${s}.assignments (
        id bigserial PRIMARY KEY,
        inquiry_id uuid NOT NULL,
        agent_id text NOT NULL,
        pool text NOT NULL,
        translation_needed boolean NOT NULL,
        assigned_at timestamptz NOT NULL,
        replied_at timestamptz,
        ended_at timestamptz,
        end_reason text
      )`);
    // The database itself refuses a second live assignment of one inquiry.
    await queryRunner.query(
      `CREATE UNIQUE INDEX assignments_one_live ON ${s}.assignments (inquiry_id) WHERE ended_at IS NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE ${s}.messages (
        id uuid PRIMARY KEY,
        inquiry_id uuid NOT NULL,
        author text NOT NULL,
        agent_id text,
        channel text,
        subject text,
        body text NOT NULL,
        at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX messages_by_inquiry ON ${s}.messages (inquiry_id, at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = migrationSchema(queryRunner);
    for (const table of ['messages', 'assignments', 'inquiries', 'agents'])
      await queryRunner.query(`DROP TABLE ${s}.${table}`);
  }
}

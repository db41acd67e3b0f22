import { migrationSchema } from '@relaydesk/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Inquiries (with the customer-status projection kept on the same row), their messages and the
 * timeline. Dedupe is the unique (adapter_id, external_id) of messages: first messages and thread
 * follow-ups alike.
 */
export class IntakeTables1764100000000 implements MigrationInterface {
  name = 'IntakeTables1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${schema}.inquiries (
        id uuid PRIMARY KEY,
        adapter_id text NOT NULL,
        channel text NOT NULL,
        customer_key text,
        thread_id text,
        previous_inquiry_id uuid,
        tracking_token_hash bytea NOT NULL,
        tracking_token_sealed text NOT NULL,
        accepted_at timestamptz NOT NULL,
        status text NOT NULL,
        status_at timestamptz NOT NULL,
        category text,
        priority text,
        language text,
        first_response_due_at timestamptz,
        resolution_due_at timestamptz,
        timeline_seq integer NOT NULL DEFAULT 0
      )`);
    await queryRunner.query(`
      CREATE INDEX inquiries_thread ON ${schema}.inquiries (customer_key, channel, thread_id, accepted_at DESC)
      WHERE thread_id IS NOT NULL AND customer_key IS NOT NULL`);
    // The message is written before its inquiry in the same transaction (the insert that wins the
    // dedupe race comes first), so the foreign key is checked at commit.
    await queryRunner.query(`
      CREATE TABLE ${schema}.messages (
        id uuid PRIMARY KEY,
        inquiry_id uuid NOT NULL REFERENCES ${schema}.inquiries (id) DEFERRABLE INITIALLY DEFERRED,
        adapter_id text NOT NULL,
        external_id text NOT NULL,
        opened_inquiry boolean NOT NULL,
        channel text NOT NULL,
        thread_id text,
        customer jsonb NOT NULL,
        subject text,
        body text NOT NULL,
        received_at timestamptz NOT NULL,
        accepted_at timestamptz NOT NULL,
        CONSTRAINT messages_dedupe UNIQUE (adapter_id, external_id)
      )`);
    await queryRunner.query(`CREATE INDEX messages_inquiry ON ${schema}.messages (inquiry_id)`);
    await queryRunner.query(`
      CREATE TABLE ${schema}.timeline_entries (
        inquiry_id uuid NOT NULL REFERENCES ${schema}.inquiries (id),
        seq integer NOT NULL,
        type text NOT NULL,
        at timestamptz NOT NULL,
        event_id uuid NOT NULL UNIQUE,
        PRIMARY KEY (inquiry_id, seq)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${schema}.timeline_entries`);
    await queryRunner.query(`DROP TABLE ${schema}.messages`);
    await queryRunner.query(`DROP TABLE ${schema}.inquiries`);
  }
}

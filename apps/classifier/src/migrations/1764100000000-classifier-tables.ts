import { migrationSchema } from '@relaydesk/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The classifier's own state: the text of each inquiry's thread (so a follow-up re-classifies the whole
 * conversation), the last classification (the follow-up rule needs it) and a log of every
 * classification with the classifier version that produced it.
 */
export class ClassifierTables1764100000000 implements MigrationInterface {
  name = 'ClassifierTables1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    // received_at is null while only follow-ups have arrived (they can overtake inquiry.received,
    // which travels on another topic); channel, tier and acceptedAt come with inquiry.received.
    await queryRunner.query(`
      CREATE TABLE ${schema}.inquiries (
        id uuid PRIMARY KEY,
        channel text,
        customer_tier text,
        accepted_at timestamptz,
        subject text,
        received_at timestamptz,
        last_classification jsonb,
        classified_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${schema}.inquiry_messages (
        message_id uuid PRIMARY KEY,
        inquiry_id uuid NOT NULL REFERENCES ${schema}.inquiries (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('initial', 'follow_up')),
        subject text,
        body text NOT NULL,
        accepted_at timestamptz NOT NULL,
        seq bigserial NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX inquiry_messages_thread_idx ON ${schema}.inquiry_messages (inquiry_id, accepted_at, seq)`,
    );
    await queryRunner.query(`
      CREATE TABLE ${schema}.classification_log (
        seq bigserial PRIMARY KEY,
        inquiry_id uuid NOT NULL REFERENCES ${schema}.inquiries (id) ON DELETE CASCADE,
        cause_event_id uuid NOT NULL,
        classifier_version text NOT NULL,
        reclassification boolean NOT NULL,
        category text NOT NULL,
        priority text NOT NULL,
        previous_priority text,
        language text NOT NULL,
        needs_review boolean NOT NULL,
        result jsonb NOT NULL,
        classified_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX classification_log_inquiry_idx ON ${schema}.classification_log (inquiry_id, seq)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${schema}.classification_log`);
    await queryRunner.query(`DROP TABLE ${schema}.inquiry_messages`);
    await queryRunner.query(`DROP TABLE ${schema}.inquiries`);
  }
}

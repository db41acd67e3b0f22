import type { CustomerTier, Priority, SlaClockKind, SlaClockState } from '@relaydesk/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A pause as stored: ISO instants. */
export interface StoredInterval {
  from: string;
  to: string;
}

@Entity('inquiry_slas')
export class InquirySlaEntity {
  @PrimaryColumn({ name: 'inquiry_id', type: 'uuid' })
  inquiryId!: string;

  @Column({ type: 'text' })
  priority!: Priority;

  @Column({ name: 'customer_tier', type: 'text' })
  customerTier!: CustomerTier;

  @Column({ name: 'policy_version', type: 'integer' })
  policyVersion!: number;

  @Column({ name: 'policy_key', type: 'text' })
  policyKey!: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'escalation_level', type: 'integer' })
  escalationLevel!: number;

  @Column({ name: 'waiting_since', type: 'timestamptz', nullable: true })
  waitingSince!: Date | null;

  @Column({ type: 'jsonb' })
  pauses!: StoredInterval[];

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

@Entity('sla_clocks')
export class SlaClockEntity {
  @PrimaryColumn({ name: 'inquiry_id', type: 'uuid' })
  inquiryId!: string;

  @PrimaryColumn({ type: 'text' })
  kind!: SlaClockKind;

  @Column({ type: 'text' })
  state!: SlaClockState;

  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt!: Date;

  @Column({ name: 'warn_at', type: 'timestamptz' })
  warnAt!: Date;

  @Column({ name: 'warned_at', type: 'timestamptz', nullable: true })
  warnedAt!: Date | null;

  @Column({ name: 'met_at', type: 'timestamptz', nullable: true })
  metAt!: Date | null;

  @Column({ name: 'breached_at', type: 'timestamptz', nullable: true })
  breachedAt!: Date | null;

  @Column({ type: 'integer' })
  version!: number;
}

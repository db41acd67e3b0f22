import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** One version of the SLA policy document; the highest version is in force. */
@Entity('policy_versions')
export class PolicyVersionEntity {
  @PrimaryColumn({ type: 'integer' })
  version!: number;

  @Column({ type: 'jsonb' })
  document!: unknown;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

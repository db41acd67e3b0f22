import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AgentTier, languageSchema, Presence, Skill, valuesOf } from '@relaydesk/contracts';
import { z } from 'zod';

export const agentIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._@:-]{1,200}$/, 'letters, digits and . _ @ : - (at most 200)');

export const putAgentSchema = z.object({
  name: z.string().trim().min(1).max(200),
  languages: z.array(languageSchema).min(1).max(30),
  skills: z
    .array(z.enum(valuesOf(Skill)))
    .min(1)
    .max(20),
  capacity: z.number().int().min(0).max(1000),
  tier: z.enum(valuesOf(AgentTier)),
});
export type PutAgent = z.output<typeof putAgentSchema>;

export const presenceSchema = z.object({ status: z.enum(valuesOf(Presence)) });
export type PresenceChange = z.output<typeof presenceSchema>;

export class PutAgentBody {
  @ApiProperty({ example: 'Aiko Tanaka' }) name!: string;
  @ApiProperty({ example: ['ja', 'en'], description: 'ISO 639-1 codes' }) languages!: string[];
  @ApiProperty({ example: ['trading', 'deposit_withdrawal', 'triage'], enum: valuesOf(Skill), isArray: true })
  skills!: string[];
  @ApiProperty({ example: 5, description: 'inquiries the agent holds at most at once' }) capacity!: number;
  @ApiProperty({ example: 'standard', enum: valuesOf(AgentTier) }) tier!: string;
}

export class PresenceBody {
  @ApiProperty({ example: 'online', enum: valuesOf(Presence) }) status!: string;
}

export class AgentView {
  @ApiProperty({ example: 'agent-42' }) id!: string;
  @ApiProperty({ example: 'Aiko Tanaka' }) name!: string;
  @ApiProperty({ example: ['ja', 'en'] }) languages!: string[];
  @ApiProperty({ example: ['trading', 'triage'] }) skills!: string[];
  @ApiProperty({ example: 5 }) capacity!: number;
  @ApiProperty({ example: 'standard', enum: valuesOf(AgentTier) }) tier!: string;
  @ApiProperty({ example: 'online', enum: valuesOf(Presence) }) presence!: string;
  @ApiProperty({ example: 2, description: 'inquiries held now' }) load!: number;
}

export class PresenceView extends AgentView {
  @ApiProperty({
    example: ['3f0c2c4e-8a3b-4f5e-9d0a-1c2b3d4e5f60'],
    description: 'inquiries put back in the queue',
  })
  requeued!: string[];
}

export class MyInquiryView {
  @ApiProperty({ example: '3f0c2c4e-8a3b-4f5e-9d0a-1c2b3d4e5f60' }) inquiryId!: string;
  @ApiProperty({ example: 'assigned', enum: ['assigned', 'awaiting_customer'] }) status!: string;
  @ApiProperty({ example: 'trading' }) category!: string;
  @ApiProperty({ example: 'high' }) priority!: string;
  @ApiProperty({ example: 'ja' }) language!: string;
  @ApiProperty({ example: false }) needsReview!: boolean;
  @ApiProperty({ example: false }) translationNeeded!: boolean;
  @ApiProperty({ example: 'trading.ja' }) pool!: string;
  @ApiProperty({ example: 0 }) escalationLevel!: number;
  @ApiProperty({ example: '2026-05-01T09:00:00.000Z' }) acceptedAt!: string;
  @ApiProperty({ example: '2026-05-01T09:00:02.000Z' }) assignedAt!: string;
  @ApiPropertyOptional({ example: '2026-05-01T10:00:00.000Z' }) firstResponseDueAt?: string;
  @ApiPropertyOptional({ example: '2026-05-01T13:00:00.000Z' }) resolutionDueAt?: string;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { z } from 'zod';

export const inquiryIdSchema = z.uuid();

export const replySchema = z.object({ body: z.string().trim().min(1).max(20000) });
export type Reply = z.output<typeof replySchema>;

export const reassignSchema = z.object({
  agentId: z
    .string()
    .regex(/^[A-Za-z0-9._@:-]{1,200}$/)
    .optional(),
});
export type Reassign = z.output<typeof reassignSchema>;

export class ReplyBody {
  @ApiProperty({ example: 'Your withdrawal was delayed by network congestion; it has now been sent.' })
  body!: string;
}

export class ReassignBody {
  @ApiPropertyOptional({ example: 'agent-7', description: 'the agent to hand it to; none: back to routing' })
  agentId?: string;
}

export class ReplyView {
  @ApiProperty({ example: '0d9b6a51-5f3c-4a52-9a3e-2b7a1d3c4e5f' }) replyId!: string;
  @ApiProperty({ example: '3f0c2c4e-8a3b-4f5e-9d0a-1c2b3d4e5f60' }) inquiryId!: string;
  @ApiProperty({ example: true }) firstResponse!: boolean;
  @ApiProperty({ example: '2026-05-01T09:05:00.000Z' }) respondedAt!: string;
}

export class MessageView {
  @ApiProperty({ example: '0d9b6a51-5f3c-4a52-9a3e-2b7a1d3c4e5f' }) id!: string;
  @ApiProperty({ example: 'customer', enum: ['customer', 'agent'] }) author!: string;
  @ApiPropertyOptional({ example: 'agent-42' }) agentId?: string;
  @ApiPropertyOptional({ example: 'email' }) channel?: string;
  @ApiPropertyOptional({ example: 'Withdrawal stuck' }) subject?: string;
  @ApiProperty({ example: 'My BTC withdrawal has been pending for 3 hours.' }) body!: string;
  @ApiProperty({ example: '2026-05-01T09:00:00.000Z' }) at!: string;
}

export class InquiryView {
  @ApiProperty({ example: '3f0c2c4e-8a3b-4f5e-9d0a-1c2b3d4e5f60' }) inquiryId!: string;
  @ApiProperty({
    example: 'assigned',
    enum: ['received', 'classified', 'assigned', 'awaiting_customer', 'resolved'],
  })
  status!: string;
  @ApiPropertyOptional({ example: 'email' }) channel?: string;
  @ApiProperty({ example: { tier: 'vip', name: 'Sato', locale: 'ja-JP' } }) customer!: Record<
    string,
    unknown
  >;
  @ApiPropertyOptional({ example: 'Withdrawal stuck' }) subject?: string;
  @ApiPropertyOptional({ example: '2026-05-01T09:00:00.000Z' }) acceptedAt?: string;
  @ApiPropertyOptional({
    example: {
      category: 'deposit_withdrawal',
      priority: 'high',
      language: 'ja',
      needsReview: false,
      confidence: { category: 0.92, priority: 0.81, language: 0.99 },
      classifierVersion: 'rules-2026.05',
      classifiedAt: '2026-05-01T09:00:01.000Z',
    },
  })
  classification?: Record<string, unknown>;
  @ApiProperty({ example: 0 }) escalationLevel!: number;
  @ApiPropertyOptional({
    example: {
      agentId: 'agent-42',
      pool: 'deposit_withdrawal.ja',
      translationNeeded: false,
      assignedAt: '2026-05-01T09:00:02.000Z',
    },
  })
  assignment?: Record<string, unknown>;
  @ApiPropertyOptional({
    example: {
      policy: 'high/vip',
      firstResponseDueAt: '2026-05-01T09:30:00.000Z',
      resolutionDueAt: '2026-05-01T13:00:00.000Z',
      clocks: [],
    },
  })
  sla?: Record<string, unknown>;
  @ApiPropertyOptional({ example: '2026-05-01T09:05:00.000Z' }) firstResponseAt?: string;
  @ApiPropertyOptional({ example: '2026-05-01T11:00:00.000Z' }) resolvedAt?: string;
  @ApiProperty({ type: MessageView, isArray: true }) messages!: MessageView[];
}

export class ResolveView {
  @ApiProperty({ example: '3f0c2c4e-8a3b-4f5e-9d0a-1c2b3d4e5f60' }) inquiryId!: string;
  @ApiProperty({ example: 'resolved' }) status!: string;
  @ApiProperty({ example: 'agent-42' }) resolvedBy!: string;
  @ApiProperty({ example: '2026-05-01T11:00:00.000Z' }) resolvedAt!: string;
}

export class ReassignView {
  @ApiProperty({ example: '3f0c2c4e-8a3b-4f5e-9d0a-1c2b3d4e5f60' }) inquiryId!: string;
  @ApiProperty({ example: 'assigned', enum: ['assigned', 'classified'] }) status!: string;
  @ApiPropertyOptional({ example: 'agent-7' }) agentId?: string;
}

export class PoolQueueView {
  @ApiProperty({ example: 'trading.ja' }) pool!: string;
  @ApiProperty({ example: 'urgent' }) priority!: string;
  @ApiProperty({ example: 4 }) waiting!: number;
  @ApiProperty({
    example: 312,
    description: 'seconds the oldest of them has waited since intake accepted it',
  })
  oldestWaitSeconds!: number;
  @ApiProperty({ example: '2026-05-01T08:55:00.000Z' }) oldestAcceptedAt!: string;
}

export class RoutingQueueView {
  @ApiProperty({ example: 'routing-urgent' }) queue!: string;
  @ApiProperty({ example: 'urgent' }) priority!: string;
  @ApiProperty({ example: 4, description: 'jobs in the BullMQ queue' }) jobs!: number;
}

export class QueuesView {
  @ApiProperty({ example: 4 }) totalWaiting!: number;
  @ApiProperty({ type: PoolQueueView, isArray: true }) pools!: PoolQueueView[];
  @ApiProperty({ type: RoutingQueueView, isArray: true }) queues!: RoutingQueueView[];
}

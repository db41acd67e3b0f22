import { Controller, Get, Inject, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { DeliveryStatus, NotificationKind, Recipient, valuesOf } from '@relaydesk/contracts';
import { AllowRoles, ZodPipe } from '@relaydesk/runtime';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { DeliveriesRepository } from './deliveries.repository';
import type { DeliveryRow } from './delivery.model';

const deliveriesQuery = z.object({ inquiryId: z.uuid('an inquiry id (UUID)') });

export class DeliveryDto {
  @ApiProperty({ example: '3f1c2a7e-5b2d-5c4e-9a1b-2c3d4e5f6a7b' }) id!: string;
  @ApiProperty({ example: '9b2f4c1e-8d7a-4e6b-a5c4-3d2e1f0a9b8c' }) inquiryId!: string;
  @ApiProperty({ enum: valuesOf(NotificationKind), example: 'acknowledgement' }) kind!: string;
  @ApiProperty({ enum: valuesOf(Recipient), example: 'customer' }) recipient!: string;
  @ApiProperty({
    example: 'email',
    description: 'the customer channel (form, email, social, chat) or, for staff, email or chat',
  })
  channel!: string;
  @ApiProperty({ example: 'ja' }) language!: string;
  @ApiProperty({ enum: valuesOf(DeliveryStatus), example: 'sent' }) status!: string;
  @ApiProperty({ example: 1 }) attempts!: number;
  @ApiProperty({ example: '2026-03-02T09:00:01.120Z' }) createdAt!: string;
  @ApiPropertyOptional({ example: '2026-03-02T09:00:01.412Z' }) sentAt?: string;
}

function toDto(row: DeliveryRow): DeliveryDto {
  return {
    id: row.id,
    inquiryId: row.inquiry_id,
    kind: row.kind,
    recipient: row.recipient,
    channel: row.channel,
    language: row.language ?? 'en',
    status: row.status,
    attempts: row.attempts,
    createdAt: new Date(row.created_at).toISOString(),
    ...(row.sent_at ? { sentAt: new Date(row.sent_at).toISOString() } : {}),
  };
}

@ApiTags('deliveries')
@ApiBearerAuth()
@Controller({ path: 'deliveries', version: '1' })
export class DeliveriesController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly deliveries: DeliveriesRepository,
  ) {}

  @Get()
  @AllowRoles('supervisor', 'admin')
  @ApiOperation({
    summary: 'The delivery log of an inquiry: every message to its customer, agents and supervisors',
  })
  @ApiQuery({ name: 'inquiryId', required: true, example: '9b2f4c1e-8d7a-4e6b-a5c4-3d2e1f0a9b8c' })
  @ApiOkResponse({ type: DeliveryDto, isArray: true })
  @ApiResponse({ status: 400, description: 'inquiryId missing or not a UUID' })
  @ApiResponse({ status: 401, description: 'missing, expired or badly signed token' })
  @ApiResponse({ status: 403, description: 'not a supervisor or admin' })
  async list(
    @Query(new ZodPipe(deliveriesQuery, 'query')) query: z.output<typeof deliveriesQuery>,
  ): Promise<DeliveryDto[]> {
    const rows = await this.deliveries.byInquiry(this.dataSource.manager, query.inquiryId);
    return rows.map(toDto);
  }
}

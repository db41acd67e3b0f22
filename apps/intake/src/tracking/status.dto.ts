import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Category, InquiryStatus, Priority, valuesOf } from '@relaydesk/contracts';

export class TimelineEntryDto {
  @ApiProperty({ description: 'The event type', example: 'inquiry.assigned' })
  type!: string;
  @ApiProperty({ format: 'date-time' })
  at!: string;
}

export class SlaDueDto {
  @ApiPropertyOptional({ format: 'date-time' })
  firstResponseDueAt?: string;
  @ApiPropertyOptional({ format: 'date-time' })
  resolutionDueAt?: string;
}

export class InquiryStatusDto {
  @ApiProperty({ format: 'uuid' })
  inquiryId!: string;
  @ApiProperty({ enum: valuesOf(InquiryStatus) })
  status!: InquiryStatus;
  @ApiPropertyOptional({ enum: valuesOf(Category) })
  category?: string;
  @ApiPropertyOptional({ enum: valuesOf(Priority) })
  priority?: string;
  @ApiPropertyOptional({ description: 'ISO 639-1', example: 'ja' })
  language?: string;
  @ApiPropertyOptional({ type: SlaDueDto })
  sla?: SlaDueDto;
  @ApiProperty({ type: [TimelineEntryDto] })
  timeline!: TimelineEntryDto[];
}

export const STATUS_EXAMPLE = {
  inquiryId: '0b5c7d0e-3f55-4c43-9a4e-5d0e1f5e6a01',
  status: 'assigned',
  category: 'deposit_withdrawal',
  priority: 'high',
  language: 'ja',
  sla: { firstResponseDueAt: '2026-03-01T13:00:00.000Z', resolutionDueAt: '2026-03-01T20:00:00.000Z' },
  timeline: [
    { type: 'inquiry.received', at: '2026-03-01T12:00:00.000Z' },
    { type: 'inquiry.classified', at: '2026-03-01T12:00:00.210Z' },
    { type: 'sla.deadlines-set', at: '2026-03-01T12:00:00.300Z' },
    { type: 'inquiry.assigned', at: '2026-03-01T12:00:01.020Z' },
  ],
};

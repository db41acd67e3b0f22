import { Body, Controller, HttpStatus, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBody,
  ApiExtraModels,
  ApiHeader,
  ApiOperation,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { ZodPipe } from '@relaydesk/runtime';
import type { Response } from 'express';
import { AdapterAuthGuard, type AdapterRequest } from '../adapters/adapter-auth.guard';
import { AdapterHeader } from '../adapters/adapter-signature';
import { IntakeService } from './intake.service';
import {
  CHANNEL_EXAMPLES,
  InquiryAcceptedDto,
  type NewInquiry,
  NewInquiryDto,
  newInquirySchema,
} from './inquiry.dto';

const ERROR = {
  type: 'object',
  properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } },
};

@ApiTags('channel adapters')
@ApiExtraModels(NewInquiryDto)
@Controller({ path: 'inquiries', version: '1' })
export class InquiriesController {
  constructor(private readonly intake: IntakeService) {}

  @Post()
  @UseGuards(AdapterAuthGuard)
  @ApiOperation({
    summary: 'Post a customer message from a channel adapter (signed)',
    description:
      'Signature: `sha256=` + hex HMAC-SHA256 of `${timestamp}.${rawBody}` with the adapter secret; the timestamp ' +
      'must be within 300 s of now. The same adapter and externalId always give the same inquiry. A message ' +
      'whose threadId matches an open inquiry of the same customer and channel is added to it; the thread of ' +
      'a resolved inquiry opens a new one with previousInquiryId.',
  })
  @ApiHeader({ name: AdapterHeader.Adapter, required: true, description: 'Adapter id', example: 'demo' })
  @ApiHeader({
    name: AdapterHeader.Timestamp,
    required: true,
    description: 'Unix seconds',
    example: '1772366400',
  })
  @ApiHeader({
    name: AdapterHeader.Signature,
    required: true,
    description: 'sha256=<hex HMAC-SHA256 of `${timestamp}.${rawBody}`>',
    example: 'sha256=9f2c…',
  })
  @ApiBody({ schema: { $ref: getSchemaPath(NewInquiryDto) }, examples: CHANNEL_EXAMPLES })
  @ApiResponse({
    status: 202,
    type: InquiryAcceptedDto,
    description: 'A new inquiry, or a follow-up added to the open inquiry of its thread',
    example: {
      inquiryId: '0b5c7d0e-3f55-4c43-9a4e-5d0e1f5e6a01',
      messageId: '6f1d2c3b-8e4f-4a5b-9c6d-7e8f9a0b1c2d',
      trackingToken: 'q3JtYV9zT2xQ0m5kVGVzdF9ub3RfYV9yZWFsX3Rva2Vu',
      status: 'received',
      duplicate: false,
    },
  })
  @ApiResponse({
    status: 200,
    type: InquiryAcceptedDto,
    description: 'This adapter already sent this externalId: the same answer with duplicate: true',
  })
  @ApiResponse({
    status: 400,
    description: 'Invalid body, with field errors',
    example: {
      statusCode: 400,
      error: 'Bad Request',
      message: 'invalid body',
      errors: [{ field: 'body', message: 'Too small: expected string to have >=1 characters' }],
    },
  })
  @ApiResponse({
    status: 401,
    description: 'Missing, wrong or stale signature, or unknown adapter; nothing stored',
    schema: ERROR,
  })
  @ApiResponse({ status: 413, description: 'Body above 64 KiB', schema: ERROR })
  @ApiResponse({ status: 415, description: 'Body not application/json', schema: ERROR })
  @ApiResponse({
    status: 429,
    description: 'Adapter rate limit; see the Retry-After header (seconds)',
    schema: ERROR,
  })
  async post(
    @Req() request: AdapterRequest,
    @Body(new ZodPipe(newInquirySchema)) body: NewInquiry,
    @Res({ passthrough: true }) response: Response,
  ): Promise<InquiryAcceptedDto> {
    const result = await this.intake.accept(request.adapterId!, body);
    response.status(result.outcome === 'duplicate' ? HttpStatus.OK : HttpStatus.ACCEPTED);
    return {
      inquiryId: result.inquiryId,
      messageId: result.messageId,
      trackingToken: result.trackingToken,
      status: result.status,
      duplicate: result.outcome === 'duplicate',
      ...(result.previousInquiryId ? { previousInquiryId: result.previousInquiryId } : {}),
    };
  }
}

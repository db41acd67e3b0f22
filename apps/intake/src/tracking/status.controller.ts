import {
  Controller,
  Get,
  Headers,
  NotFoundException,
  Param,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { EventStreams, resumeAfter } from './event-streams.service';
import { InquiryStatusDto, STATUS_EXAMPLE } from './status.dto';
import { TimelineService } from './timeline.service';
import { bearerToken } from './tracking-token';

const NOT_FOUND = 'no inquiry with this id and tracking token';

function requireToken(authorization: string | undefined): string {
  const token = bearerToken(authorization);
  if (!token) {
    throw new UnauthorizedException({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Authorization: Bearer <trackingToken> is required',
    });
  }
  return token;
}

@ApiTags('customers')
@ApiBearerAuth()
@Controller({ path: 'inquiries', version: '1' })
export class StatusController {
  constructor(
    private readonly timeline: TimelineService,
    private readonly streams: EventStreams,
  ) {}

  @Get(':inquiryId/status')
  @ApiOperation({
    summary: "The customer's view of an inquiry (tracking token as the bearer token)",
    description:
      'Status, classification, SLA due times and the timeline; never agent data, notes or replies.',
  })
  @ApiParam({ name: 'inquiryId', format: 'uuid' })
  @ApiResponse({ status: 200, type: InquiryStatusDto, example: STATUS_EXAMPLE })
  @ApiResponse({ status: 401, description: 'No bearer token' })
  @ApiResponse({
    status: 404,
    description: 'Unknown inquiry or a token that does not match: the same answer',
  })
  async status(
    @Param('inquiryId') inquiryId: string,
    @Headers('authorization') authorization: string | undefined,
  ): Promise<InquiryStatusDto> {
    const status = await this.timeline.statusOf(inquiryId, requireToken(authorization));
    if (!status) throw new NotFoundException(NOT_FOUND);
    return status;
  }

  @Get(':inquiryId/events')
  @ApiOperation({
    summary: 'Live timeline of an inquiry as Server-Sent Events',
    description:
      'Each event is one timeline entry: `id: <sequence>` and `data: {"type","at"}`. Reconnect with ' +
      '`Last-Event-ID` to resume after the last entry received. Comment lines keep the connection alive. ' +
      'The token goes in the Authorization header (use a fetch-based EventSource: tokens are not put in URLs, ' +
      'which end up in logs).',
  })
  @ApiParam({ name: 'inquiryId', format: 'uuid' })
  @ApiHeader({ name: 'last-event-id', required: false, description: 'Resume after this entry id' })
  @ApiProduces('text/event-stream')
  @ApiResponse({
    status: 200,
    description: 'text/event-stream',
    content: {
      'text/event-stream': {
        example:
          'retry: 3000\n\nid: 1\ndata: {"type":"inquiry.received","at":"2026-03-01T12:00:00.000Z"}\n\n' +
          'id: 2\ndata: {"type":"inquiry.classified","at":"2026-03-01T12:00:00.210Z"}\n\n: keep-alive\n\n',
      },
    },
  })
  @ApiResponse({ status: 401, description: 'No bearer token' })
  @ApiResponse({
    status: 404,
    description: 'Unknown inquiry or a token that does not match: the same answer',
  })
  async events(
    @Param('inquiryId') inquiryId: string,
    @Headers('authorization') authorization: string | undefined,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const inquiry = await this.timeline.authorize(inquiryId, requireToken(authorization));
    if (!inquiry) throw new NotFoundException(NOT_FOUND);
    this.streams.open(inquiry.id, resumeAfter(lastEventId), response);
  }
}

import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AllowRoles, type AgentPrincipal, APP_CONFIG, CurrentAgent } from '@relaydesk/runtime';
import type { Request, Response } from 'express';
import type { AssignmentConfig } from '../config';
import { AgentEventsService } from './agent-events.service';

@ApiTags('agents')
@ApiBearerAuth()
@Controller({ path: 'agents', version: '1' })
export class AgentEventsController {
  constructor(
    private readonly events: AgentEventsService,
    @Inject(APP_CONFIG) private readonly config: AssignmentConfig,
  ) {}

  @Get('me/events')
  @AllowRoles('agent')
  @ApiOperation({
    summary:
      "Server-Sent Events of the caller's new assignments, customer follow-ups, SLA warnings and escalations.",
    description:
      'Event names: `assigned`, `unassigned`, `follow_up`, `sla_warning`, `escalated`; `data` is JSON with `inquiryId`. ' +
      'A comment line is sent every SSE_KEEPALIVE_SECONDS. Example:\n\n' +
      '```\nevent: assigned\ndata: {"type":"assigned","inquiryId":"3f0c…","priority":"high","pool":"trading.ja",…}\n```',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'an endless text/event-stream' })
  @ApiUnauthorizedResponse({ description: 'missing, expired or badly signed token' })
  @ApiForbiddenResponse({ description: 'not an agent' })
  async stream(
    @CurrentAgent() caller: AgentPrincipal,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache, no-transform');
    response.setHeader('Connection', 'keep-alive');
    response.setHeader('X-Accel-Buffering', 'no');
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      void unsubscribe.then((done) => done());
      response.end();
    };
    const keepAlive = setInterval(
      () => response.write(': keep-alive\n\n'),
      this.config.SSE_KEEPALIVE_SECONDS * 1000,
    );
    const unsubscribe = this.events.subscribe(
      caller.sub,
      (event) => response.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`),
      close,
    );
    request.on('close', close);
    await unsubscribe;
    response.flushHeaders();
    response.write(`: connected as ${caller.sub}\n\n`);
  }
}

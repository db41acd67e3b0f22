import { Body, Controller, Get, Param, Put, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AllowRoles, type AgentPrincipal, CurrentAgent, ZodPipe } from '@relaydesk/runtime';
import type { Response } from 'express';
import {
  agentIdSchema,
  AgentView,
  MyInquiryView,
  type PresenceChange,
  PresenceBody,
  presenceSchema,
  PresenceView,
  type PutAgent,
  PutAgentBody,
  putAgentSchema,
} from './agents.dto';
import { AgentsService } from './agents.service';

@ApiTags('agents')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'missing, expired or badly signed token' })
@ApiForbiddenResponse({ description: 'the role (or the caller) may not do this' })
@Controller({ path: 'agents', version: '1' })
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Get('me/inquiries')
  @AllowRoles('agent')
  @ApiOperation({ summary: 'The inquiries assigned to the caller (agent).' })
  @ApiOkResponse({ type: MyInquiryView, isArray: true })
  myInquiries(@CurrentAgent() caller: AgentPrincipal): Promise<MyInquiryView[]> {
    return this.agents.myInquiries(caller.sub);
  }

  @Put(':id')
  @AllowRoles('admin')
  @ApiOperation({ summary: 'Create (201) or update (200) an agent (admin).' })
  @ApiBody({ type: PutAgentBody })
  @ApiOkResponse({ type: AgentView })
  async put(
    @Param('id', new ZodPipe(agentIdSchema, 'agent id')) id: string,
    @Body(new ZodPipe(putAgentSchema)) body: PutAgent,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AgentView> {
    const { agent, created } = await this.agents.put(id, body);
    response.status(created ? 201 : 200);
    return agent;
  }

  @Put(':id/presence')
  @AllowRoles('agent', 'admin')
  @ApiOperation({
    summary:
      'Set presence (that agent, admin). Offline puts the inquiries the agent has not replied to back in the queue.',
  })
  @ApiBody({ type: PresenceBody })
  @ApiOkResponse({ type: PresenceView })
  @ApiNotFoundResponse({ description: 'no such agent' })
  setPresence(
    @Param('id', new ZodPipe(agentIdSchema, 'agent id')) id: string,
    @Body(new ZodPipe(presenceSchema)) body: PresenceChange,
    @CurrentAgent() caller: AgentPrincipal,
  ): Promise<PresenceView> {
    return this.agents.setPresence(id, body.status, caller);
  }
}

import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AllowRoles, type AgentPrincipal, CurrentAgent, ZodPipe } from '@relaydesk/runtime';
import {
  inquiryIdSchema,
  InquiryView,
  QueuesView,
  type Reassign,
  ReassignBody,
  reassignSchema,
  ReassignView,
  type Reply,
  ReplyBody,
  replySchema,
  ReplyView,
  ResolveView,
} from './inquiries.dto';
import { InquiriesService } from './inquiries.service';

const idPipe = new ZodPipe(inquiryIdSchema, 'inquiry id');

@ApiTags('inquiries')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'missing, expired or badly signed token' })
@ApiForbiddenResponse({ description: 'the role may not do this, or the caller is not the assigned agent' })
@Controller({ version: '1' })
export class InquiriesController {
  constructor(private readonly inquiries: InquiriesService) {}

  @Get('inquiries/:id')
  @AllowRoles('agent', 'supervisor')
  @ApiOperation({
    summary: 'The inquiry with its messages, classification and SLA (assigned agent, supervisor).',
  })
  @ApiOkResponse({ type: InquiryView })
  @ApiNotFoundResponse({ description: 'no such inquiry' })
  get(@Param('id', idPipe) id: string, @CurrentAgent() caller: AgentPrincipal): Promise<InquiryView> {
    return this.inquiries.get(id, caller);
  }

  @Post('inquiries/:id/replies')
  @AllowRoles('agent')
  @ApiOperation({ summary: 'Reply to the customer on the channel they used (assigned agent).' })
  @ApiBody({ type: ReplyBody })
  @ApiCreatedResponse({ type: ReplyView })
  @ApiNotFoundResponse({ description: 'no such inquiry' })
  @ApiConflictResponse({ description: 'the inquiry is resolved' })
  reply(
    @Param('id', idPipe) id: string,
    @Body(new ZodPipe(replySchema)) body: Reply,
    @CurrentAgent() caller: AgentPrincipal,
  ): Promise<ReplyView> {
    return this.inquiries.reply(id, body.body, caller);
  }

  @Post('inquiries/:id/resolve')
  @HttpCode(200)
  @AllowRoles('agent', 'supervisor')
  @ApiOperation({ summary: 'Close the inquiry (assigned agent, supervisor); frees the agent.' })
  @ApiOkResponse({ type: ResolveView })
  @ApiNotFoundResponse({ description: 'no such inquiry' })
  @ApiConflictResponse({ description: 'already resolved' })
  resolve(@Param('id', idPipe) id: string, @CurrentAgent() caller: AgentPrincipal): Promise<ResolveView> {
    return this.inquiries.resolve(id, caller);
  }

  @Post('inquiries/:id/reassign')
  @HttpCode(200)
  @AllowRoles('supervisor')
  @ApiOperation({
    summary:
      'Hand the inquiry to an agent (within their capacity), or without agentId back to routing, ahead of its priority (supervisor).',
  })
  @ApiBody({ type: ReassignBody })
  @ApiOkResponse({ type: ReassignView })
  @ApiNotFoundResponse({ description: 'no such inquiry or agent' })
  @ApiConflictResponse({
    description: 'resolved, not classified yet, already waiting, or the agent is at capacity',
  })
  reassign(
    @Param('id', idPipe) id: string,
    @Body(new ZodPipe(reassignSchema)) body: Reassign,
  ): Promise<ReassignView> {
    return this.inquiries.reassign(id, body.agentId);
  }

  @Get('queues')
  @AllowRoles('supervisor', 'admin')
  @ApiOperation({
    summary: 'Waiting inquiries per pool and priority, with the oldest wait (supervisor, admin).',
  })
  @ApiOkResponse({ type: QueuesView })
  queues(): Promise<QueuesView> {
    return this.inquiries.queues();
  }
}

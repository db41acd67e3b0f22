import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AgentRole } from '@relaydesk/contracts';
import { AllowRoles, ZodPipe } from '@relaydesk/runtime';
import { z } from 'zod';
import { type SlaView, SlaService } from './sla.service';

const inquiryIdSchema = z.uuid();

const EXAMPLE: SlaView = {
  inquiryId: '0b8f7c1e-5d2a-4f1e-9c3b-2a6d8e4f1a70',
  priority: 'high',
  policy: 'high/vip@v2',
  escalationLevel: 0,
  clocks: [
    {
      kind: 'first_response',
      dueAt: '2026-12-07T00:30:00.000Z',
      warnAt: '2026-12-07T00:24:00.000Z',
      state: 'met',
      metAt: '2026-12-07T00:12:41.000Z',
    },
    {
      kind: 'resolution',
      dueAt: '2026-12-07T05:00:00.000Z',
      warnAt: '2026-12-07T04:12:00.000Z',
      state: 'paused',
    },
  ],
};

@ApiTags('SLA')
@ApiBearerAuth()
@Controller({ path: 'inquiries', version: '1' })
export class SlaController {
  constructor(private readonly sla: SlaService) {}

  @Get(':id/sla')
  @AllowRoles(AgentRole.Agent, AgentRole.Supervisor)
  @ApiOperation({
    summary: "An inquiry's SLA clocks",
    description:
      'Priority, policy applied (`priority/tier@vVersion`), escalation level and both clocks. A paused ' +
      'resolution clock shows when it would fall due if the customer answered now.',
  })
  @ApiParam({ name: 'id', description: 'inquiry id (UUID)' })
  @ApiOkResponse({ description: 'the clocks', schema: { example: EXAMPLE } })
  @ApiResponse({ status: 400, description: 'the id is not a UUID' })
  @ApiResponse({ status: 401, description: 'missing, expired or badly signed token' })
  @ApiResponse({ status: 403, description: 'a role other than agent or supervisor' })
  @ApiResponse({
    status: 404,
    description: 'no SLA clocks for this inquiry (unknown, or not classified yet)',
  })
  async get(@Param('id', new ZodPipe(inquiryIdSchema, 'inquiry id')) id: string): Promise<SlaView> {
    const view = await this.sla.view(id);
    if (!view) throw new NotFoundException(`no SLA clocks for inquiry ${id}`);
    return view;
  }
}

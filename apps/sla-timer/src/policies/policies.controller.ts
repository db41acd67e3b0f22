import { BadRequestException, Body, Controller, Get, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DEFAULT_POLICY_DOCUMENT, type PolicyDocument } from '@relaydesk/business-time';
import { AgentRole } from '@relaydesk/contracts';
import { type AgentPrincipal, AllowRoles, CurrentAgent } from '@relaydesk/runtime';
import type { Response } from 'express';
import { PolicyStore } from './policy.store';

/** Response header naming the version of the document returned. */
export const POLICY_VERSION_HEADER = 'x-sla-policy-version';

@ApiTags('SLA')
@ApiBearerAuth()
@Controller({ path: 'sla/policies', version: '1' })
export class PoliciesController {
  constructor(private readonly store: PolicyStore) {}

  @Get()
  @AllowRoles(AgentRole.Supervisor, AgentRole.Admin)
  @ApiOperation({
    summary: 'The SLA policy document in force',
    description: `Its version is in \`${POLICY_VERSION_HEADER}\`.`,
  })
  @ApiOkResponse({ description: 'the whole document', schema: { example: DEFAULT_POLICY_DOCUMENT } })
  @ApiResponse({ status: 401, description: 'missing, expired or badly signed token' })
  @ApiResponse({ status: 403, description: 'a role other than supervisor or admin' })
  async get(@Res({ passthrough: true }) response: Response): Promise<PolicyDocument> {
    const { version, document } = await this.store.current();
    response.setHeader(POLICY_VERSION_HEADER, String(version));
    return document;
  }

  @Put()
  @AllowRoles(AgentRole.Admin)
  @ApiOperation({
    summary: 'Replace the SLA policy document',
    description:
      'Applies to inquiries classified after it (each inquiry keeps the version it was classified under). ' +
      'Every priority needs a `standard` policy; `vip` ones are optional and fall back to it. An invalid ' +
      'document is refused with 400 and field errors, and the document in force stays.',
  })
  @ApiBody({
    description: 'the whole document',
    schema: { type: 'object', example: DEFAULT_POLICY_DOCUMENT },
  })
  @ApiOkResponse({ description: 'stored; the document as now in force' })
  @ApiResponse({
    status: 400,
    description: 'invalid document',
    schema: {
      example: {
        statusCode: 400,
        error: 'Bad Request',
        message: 'invalid SLA policy document',
        errors: [
          { field: 'calendars[1].weekly.mon[0]', message: 'start "18:00" must be before end "09:00"' },
        ],
      },
    },
  })
  @ApiResponse({ status: 401, description: 'missing, expired or badly signed token' })
  @ApiResponse({ status: 403, description: 'a role other than admin' })
  async put(
    @Body() body: unknown,
    @CurrentAgent() agent: AgentPrincipal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PolicyDocument> {
    const outcome = await this.store.replace(body, agent.sub);
    if (!outcome.ok) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: 'invalid SLA policy document',
        errors: outcome.errors,
      });
    }
    response.setHeader(POLICY_VERSION_HEADER, String(outcome.policy.version));
    return outcome.policy.document;
  }
}

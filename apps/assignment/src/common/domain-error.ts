import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';

export const DomainErrorCode = {
  InquiryNotFound: 'inquiry_not_found',
  AgentNotFound: 'agent_not_found',
  NotThatAgent: 'not_that_agent',
  NotAssignedAgent: 'not_assigned_agent',
  AlreadyResolved: 'already_resolved',
  AlreadyWaiting: 'already_waiting',
  NotRoutable: 'not_routable',
  AgentAtCapacity: 'agent_at_capacity',
} as const;
export type DomainErrorCode = (typeof DomainErrorCode)[keyof typeof DomainErrorCode];

/** A rule of the domain said no. Mapped to an HTTP status in one place (DomainErrorFilter). */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function httpStatusOf(code: DomainErrorCode): number {
  switch (code) {
    case DomainErrorCode.InquiryNotFound:
    case DomainErrorCode.AgentNotFound:
      return HttpStatus.NOT_FOUND;
    case DomainErrorCode.NotThatAgent:
    case DomainErrorCode.NotAssignedAgent:
      return HttpStatus.FORBIDDEN;
    case DomainErrorCode.AlreadyResolved:
    case DomainErrorCode.AlreadyWaiting:
    case DomainErrorCode.NotRoutable:
    case DomainErrorCode.AgentAtCapacity:
      return HttpStatus.CONFLICT;
  }
}

const ERROR_NAMES: Record<number, string> = { 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict' };

@Catch(DomainError)
export class DomainErrorFilter implements ExceptionFilter {
  catch(error: DomainError, host: ArgumentsHost): void {
    const status = httpStatusOf(error.code);
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(status)
      .json({ statusCode: status, error: ERROR_NAMES[status], code: error.code, message: error.message });
  }
}

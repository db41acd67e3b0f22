import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { type AgentRole, AgentRole as Roles, valuesOf } from '@relaydesk/contracts';
import type { Request } from 'express';
import { z } from 'zod';

/** The caller of the agent API, from a verified HS256 token. */
export interface AgentPrincipal {
  sub: string;
  role: AgentRole;
}

const claimsSchema = z.object({ sub: z.string().min(1), role: z.enum(valuesOf(Roles)), exp: z.number() });

const ROLES_KEY = 'relaydesk:roles';

/** The roles that may call a handler. A handler may further check the caller against the resource. */
export const AllowRoles = (...roles: AgentRole[]) => SetMetadata(ROLES_KEY, roles);

export const CurrentAgent = createParamDecorator((_: unknown, context: ExecutionContext): AgentPrincipal => {
  const request = context.switchToHttp().getRequest<Request & { agent?: AgentPrincipal }>();
  if (!request.agent) throw new UnauthorizedException('missing bearer token');
  return request.agent;
});

export function signAgentToken(
  jwt: JwtService,
  principal: AgentPrincipal,
  secret: string,
  expiresInSeconds = 8 * 3600,
): Promise<string> {
  return jwt.signAsync(
    { sub: principal.sub, role: principal.role },
    { secret, algorithm: 'HS256', expiresIn: expiresInSeconds },
  );
}

/**
 * HS256 JWT with `sub`, `role` and `exp`: missing, expired or badly signed tokens are 401; a role the
 * handler does not allow is 403. Register with the secret: `new AgentAuthGuard(reflector, jwt, secret)`.
 */
@Injectable()
export class AgentAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
    private readonly secret: string,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const roles = this.reflector.getAllAndOverride<AgentRole[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!roles) return true; // not an agent-API handler (health, metrics, docs)
    const request = context.switchToHttp().getRequest<Request & { agent?: AgentPrincipal }>();
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new UnauthorizedException('missing bearer token');
    let claims: unknown;
    try {
      claims = await this.jwt.verifyAsync(match[1], { secret: this.secret, algorithms: ['HS256'] });
    } catch {
      throw new UnauthorizedException('invalid or expired token');
    }
    const parsed = claimsSchema.safeParse(claims);
    if (!parsed.success) throw new UnauthorizedException('token lacks sub, role or exp');
    request.agent = { sub: parsed.data.sub, role: parsed.data.role };
    if (!roles.includes(parsed.data.role))
      throw new ForbiddenException(`role ${parsed.data.role} may not do this`);
    return true;
  }
}

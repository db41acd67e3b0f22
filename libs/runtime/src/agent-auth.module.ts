import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { AgentAuthGuard } from './agent-auth';

/** The agent API's authentication, shared by every service that serves it. */
@Module({})
export class AgentAuthModule {
  static forRoot(secret: string): DynamicModule {
    return {
      module: AgentAuthModule,
      imports: [JwtModule.register({})],
      providers: [
        {
          provide: APP_GUARD,
          inject: [Reflector, JwtService],
          useFactory: (reflector: Reflector, jwt: JwtService) => new AgentAuthGuard(reflector, jwt, secret),
        },
      ],
      exports: [JwtModule],
    };
  }
}

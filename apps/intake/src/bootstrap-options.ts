import type { Type } from '@nestjs/common';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import type { ServiceBootstrapOptions } from '@relaydesk/runtime';
import { configureIntakeHttp } from './adapters/body-errors';
import type { IntakeConfig } from './config';

/** How main.ts, the integration tests and the benchmark start intake: the same wiring everywhere. */
export function intakeServiceOptions(
  config: IntakeConfig,
  transports: Type<CustomTransportStrategy>[],
): ServiceBootstrapOptions {
  return {
    config,
    openApi: {
      title: 'relaydesk intake',
      description:
        'Signed channel intake with dedupe and threads; the customer status page and its live event stream.',
      bearerAuth: true,
    },
    bodyLimit: '64kb',
    transports,
    configure: configureIntakeHttp,
  };
}

import type { DynamicModule, INestApplication } from '@nestjs/common';
import { createService, type ServiceBootstrapOptions } from '@relaydesk/runtime';

export interface RunningService {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/** Starts a service in this process on a free port, wired exactly as its main.ts does. */
export async function startTestService(
  module: DynamicModule,
  options: ServiceBootstrapOptions,
): Promise<RunningService> {
  const app = await createService(module, options);
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  return { app, url: url.replace('[::1]', '127.0.0.1'), close: () => app.close() };
}

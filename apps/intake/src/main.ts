import { ConfigError, bootstrapService } from '@relaydesk/runtime';
import { KafkaEventServer } from '@relaydesk/messaging';
import { AppModule } from './app.module';
import { intakeServiceOptions } from './bootstrap-options';
import { loadIntakeConfig } from './config';

async function main(): Promise<void> {
  const config = loadIntakeConfig();
  await bootstrapService(AppModule.forRoot(config), intakeServiceOptions(config, [KafkaEventServer]));
}

main().catch((error: unknown) => {
  // A configuration problem names the variable; anything else is a start-up failure with its stack.
  process.stderr.write(
    error instanceof ConfigError
      ? `intake: ${error.message}\n`
      : `intake failed to start: ${String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});

import { ConfigError, bootstrapService } from '@relaydesk/runtime';
import { KafkaEventServer } from '@relaydesk/messaging';
import { AppModule } from './app.module';
import { loadAssignmentConfig } from './config';

async function main(): Promise<void> {
  const config = loadAssignmentConfig();
  await bootstrapService(AppModule.forRoot(config), {
    config,
    openApi: {
      title: 'relaydesk assignment',
      description: 'Skill- and language-aware routing through BullMQ priority queues; the agent API.',
      bearerAuth: true,
    },
    transports: [KafkaEventServer],
  });
}

main().catch((error: unknown) => {
  // A configuration problem names the variable; anything else is a start-up failure with its stack.
  process.stderr.write(
    error instanceof ConfigError
      ? `assignment: ${error.message}\n`
      : `assignment failed to start: ${String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});

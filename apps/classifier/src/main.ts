import { ConfigError, bootstrapService } from '@relaydesk/runtime';
import { KafkaEventServer } from '@relaydesk/messaging';
import { AppModule } from './app.module';
import { loadClassifierConfig } from './config';

async function main(): Promise<void> {
  const config = loadClassifierConfig();
  await bootstrapService(AppModule.forRoot(config), {
    config,
    openApi: {
      title: 'relaydesk classifier',
      description:
        'Category, priority, language and crypto facts of every inquiry; help-article suggestions.',
      bearerAuth: true,
    },
    transports: [KafkaEventServer],
  });
}

main().catch((error: unknown) => {
  // A configuration problem names the variable; anything else is a start-up failure with its stack.
  process.stderr.write(
    error instanceof ConfigError
      ? `classifier: ${error.message}\n`
      : `classifier failed to start: ${String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});

import { ConfigError, bootstrapService } from '@relaydesk/runtime';
import { KafkaEventServer } from '@relaydesk/messaging';
import { AppModule } from './app.module';
import { loadNotificationConfig } from './config';

async function main(): Promise<void> {
  const config = loadNotificationConfig();
  await bootstrapService(AppModule.forRoot(config), {
    config,
    openApi: {
      title: 'relaydesk notification',
      description: 'Customers told in their language on their channel; agents alerted; the delivery log.',
      bearerAuth: true,
    },
    transports: [KafkaEventServer],
  });
}

main().catch((error: unknown) => {
  // A configuration problem names the variable; anything else is a start-up failure with its stack.
  process.stderr.write(
    error instanceof ConfigError
      ? `notification: ${error.message}\n`
      : `notification failed to start: ${String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});

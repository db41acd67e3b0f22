import { ConfigError, bootstrapService } from '@relaydesk/runtime';
import { KafkaEventServer } from '@relaydesk/messaging';
import { AppModule } from './app.module';
import { loadSlaTimerConfig } from './config';

async function main(): Promise<void> {
  const config = loadSlaTimerConfig();
  await bootstrapService(AppModule.forRoot(config), {
    config,
    openApi: {
      title: 'relaydesk sla-timer',
      description: 'Business-time SLA clocks on calendars; warnings, breaches and escalation.',
      bearerAuth: true,
    },
    transports: [KafkaEventServer],
  });
}

main().catch((error: unknown) => {
  // A configuration problem names the variable; anything else is a start-up failure with its stack.
  process.stderr.write(
    error instanceof ConfigError
      ? `sla-timer: ${error.message}\n`
      : `sla-timer failed to start: ${String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});

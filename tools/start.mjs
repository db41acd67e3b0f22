// npm start: set up, then run the five services with prefixed output until Ctrl-C.
import { SERVICES } from './services.mjs';
import { ROOT, say, setUp, stopKafka } from './setup.mjs';

async function waitReady(service, deadline) {
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${service.port}/health/ready`);
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

async function main() {
  const { startedKafka } = await setUp();
  const { default: concurrently } = await import('concurrently');
  // Locally, the outside world is the dev sinks: mail and adapter callbacks land there and are logged.
  const outside = {
    SMTP_URL: process.env.SMTP_URL ?? 'smtp://127.0.0.1:2525',
    ADAPTER_CALLBACKS: process.env.ADAPTER_CALLBACKS ?? 'demo=http://127.0.0.1:3099/callback',
  };
  const { result, commands } = concurrently(
    [
      { name: 'sinks', command: 'node tools/dev-sinks.mjs' },
      ...SERVICES.map((service) => ({
        name: service.name,
        command: `node -r @swc-node/register ${service.entry}`,
        env: { LOG_FORMAT: process.env.LOG_FORMAT ?? 'pretty', PORT: String(service.port), ...outside },
      })),
    ],
    {
      cwd: ROOT,
      prefix: 'name',
      prefixColors: ['gray', 'cyan', 'magenta', 'yellow', 'green', 'blue'],
      killOthersOn: ['failure'],
    },
  );

  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping the services...`);
    for (const command of commands) command.kill('SIGTERM');
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const deadline = Date.now() + 120_000;
  void Promise.all(SERVICES.map((service) => waitReady(service, deadline))).then((ready) => {
    if (stopping) return;
    const lines = SERVICES.map(
      (service, index) =>
        `  ${service.name.padEnd(13)} http://127.0.0.1:${service.port}  (docs /docs, ready ${ready[index] ? 'yes' : 'NOT YET'})`,
    );
    say(
      `pipeline running:\n${lines.join('\n')}\n  mail and adapter callbacks go to the local sinks (smtp://127.0.0.1:2525, http://127.0.0.1:3099/callback)\n  Ctrl-C stops everything${startedKafka ? ' (and the Kafka broker it started)' : ''}.`,
    );
  });

  await result.catch(() => undefined);
  if (startedKafka) stopKafka();
  process.exit(stopping ? 0 : 1);
}

main().catch((error) => {
  process.stderr.write(`relaydesk: ${error.message}\n`);
  process.exit(1);
});

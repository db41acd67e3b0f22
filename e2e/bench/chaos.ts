// npm run chaos: a load run during which each service is killed with -9 once and started again, the
// Kafka broker is restarted and Redis loses everything (FLUSHALL). Then: lost inquiries, duplicate
// assignments and duplicate notifications (all must be 0), and how long the pipeline took to catch up.
// --replicas 2 runs two replicas of every consuming service side by side.
import { freePort, testRunId } from '@relaydesk/testing';
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { bringAgentsOnline, describeSummary, runLoad } from '../src/support/load';
import { PipelineObserver } from '../src/support/observer';
import { AgentClient, IntakeClient, WORKSPACE } from '../src/support/pipeline';
import { loadLabelledInquiries } from '../src/support/samples';
import { SERVICE_NAMES, Stack } from '../src/support/stack';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '3000' },
    rate: { type: 'string', default: '100' },
    replicas: { type: 'string', default: '1' },
    'no-chaos': { type: 'boolean', default: false },
    'settle-seconds': { type: 'string', default: '180' },
    json: { type: 'string' },
  },
});

const kafka = (command: 'start' | 'stop') =>
  execFileSync('bash', [path.join(WORKSPACE, 'deploy/kafka/kafka.sh'), command], { encoding: 'utf8' });

function log(message: string): void {
  process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[2K' : ''}chaos: ${message}\n`);
}

async function main(): Promise<void> {
  const count = Number(args.count);
  const rate = Number(args.rate);
  const replicas = Number(args.replicas);
  kafka('start');
  const runId = testRunId();
  const prefix = `${runId}.`;
  // The outside world: mail and adapter callbacks land in the local sinks (as under npm start).
  const [smtpPort, callbackPort] = [await freePort(), await freePort()];
  const sinks = spawn(process.execPath, [path.join(WORKSPACE, 'tools/dev-sinks.mjs')], {
    env: { ...process.env, DEV_SMTP_PORT: String(smtpPort), DEV_CALLBACK_PORT: String(callbackPort) },
    stdio: 'ignore',
  });
  // Its own schemas, topics, groups and keys: a chaos run never touches a pipeline running beside it.
  const stack = new Stack(
    {
      KAFKA_TOPIC_PREFIX: prefix,
      REDIS_KEY_PREFIX: runId,
      LOG_LEVEL: 'warn',
      KAFKA_SESSION_TIMEOUT_MS: '10000',
    },
    (name) => ({
      DB_SCHEMA: `${runId}_${name.replace('-', '_')}`,
      KAFKA_GROUP_ID: `${runId}-${name}`,
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      ADAPTER_CALLBACKS: `demo=http://127.0.0.1:${callbackPort}/callback`,
    }),
  );
  for (const name of SERVICE_NAMES) {
    const copies = name === 'intake' ? 1 : replicas;
    for (let replica = 0; replica < copies; replica++) stack.add(name, await freePort(), replica);
  }
  stack.startAll();
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const observer = new PipelineObserver(prefix);
  try {
    await stack.waitAllReady(240_000);
    log(`${stack.processes.length} processes ready (${replicas} replica(s) of each consuming service)`);
    const urls = stack.urls();
    const agentClient = new AgentClient(urls.assignment);
    const agents = 50;
    await bringAgentsOnline({ runId, count, agents, agentClient });
    await observer.start();

    // One disruption every few seconds while the load runs, then none.
    const disruptions: { name: string; run: () => Promise<void> }[] = args['no-chaos']
      ? []
      : [
          ...stack.processes.map((service) => ({
            name: `kill -9 ${service.name}#${service.replica}`,
            run: async () => {
              await stack.kill(service);
              stack.start(service);
              await stack.waitReady(service, 180_000);
            },
          })),
          {
            name: 'restart the Kafka broker',
            run: async () => {
              kafka('stop');
              kafka('start');
            },
          },
          {
            name: 'FLUSHALL Redis',
            run: async () => {
              await redis.flushall();
            },
          },
        ];
    const every = Math.max(2, Math.floor(count / rate / (disruptions.length + 1)));
    let nextDisruption = every;
    let lastDisruptionAt = 0;
    let busy = false;
    const { summary, refused, lastSentAt } = await runLoad({
      runId,
      count,
      rate,
      agents,
      concurrency: 64,
      settleMs: Number(args['settle-seconds']) * 1000,
      samples: loadLabelledInquiries(WORKSPACE),
      intake: new IntakeClient(urls.intake),
      agentClient,
      observer,
      onTick: (elapsed) => {
        if (busy || elapsed < nextDisruption || disruptions.length === 0) return;
        const disruption = disruptions.shift()!;
        nextDisruption = elapsed + every;
        busy = true;
        log(`${disruption.name} at ${elapsed.toFixed(0)} s`);
        // In the background: the load goes on while a service is down or the broker restarts.
        void disruption
          .run()
          .catch((error: unknown) => log(`${disruption.name} failed: ${String(error)}`))
          .finally(() => {
            busy = false;
            lastDisruptionAt = Date.now();
          });
      },
    });
    for (const disruption of disruptions) {
      log(`${disruption.name} after the load`);
      await disruption.run();
      lastDisruptionAt = Date.now();
    }
    const traces = [...observer.traces.values()];
    const caughtUpAt = Math.max(
      ...traces.map((trace) => Math.max(trace.assignedAt ?? 0, trace.acknowledgedAt ?? 0)),
    );
    const catchUpSeconds = Math.max(0, (caughtUpAt - Math.max(lastSentAt, lastDisruptionAt)) / 1000);
    process.stdout.write(
      [
        `relaydesk chaos run: ${count} inquiries at ${rate}/s, ${replicas} replica(s) per consuming service`,
        describeSummary(summary, refused),
        `  caught up ${catchUpSeconds.toFixed(1)} s after the last inquiry or disruption`,
        summary.lost === 0 && summary.duplicateAssignments === 0 && summary.duplicateNotifications === 0
          ? '  verdict: nothing lost, nothing assigned or acknowledged twice'
          : '  verdict: FAILED (see the counts above)',
      ].join('\n') + '\n',
    );
    if (args.json)
      writeFileSync(args.json, `${JSON.stringify({ ...summary, catchUpSeconds, replicas }, null, 2)}\n`);
    process.exitCode =
      summary.lost + summary.duplicateAssignments + summary.duplicateNotifications === 0 ? 0 : 1;
  } finally {
    await observer.stop();
    await stack.stopAll();
    sinks.kill('SIGTERM');
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

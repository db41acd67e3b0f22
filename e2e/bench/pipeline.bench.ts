// npm run -s bench -- --count N --rate R --json FILE
// Drives N inquiries at R per second through the running pipeline (starting it if it is not running,
// bringing online the agents it needs), waits for each to be assigned and acknowledged, prints a
// progress bar and a summary, and writes the figures of API.md to FILE.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { bringAgentsOnline, describeSummary, runLoad } from '../src/support/load';
import { PipelineObserver } from '../src/support/observer';
import { AgentClient, ensurePipeline, IntakeClient, stopPipeline, WORKSPACE } from '../src/support/pipeline';
import { loadLabelledInquiries } from '../src/support/samples';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '100' },
    json: { type: 'string' },
    agents: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '64' },
    'settle-seconds': { type: 'string', default: '60' },
  },
});

async function main(): Promise<void> {
  const count = Number(args.count);
  const rate = Number(args.rate);
  const agents = Number(args.agents);
  const concurrency = Number(args.concurrency);
  if (!(count > 0 && rate > 0 && agents > 0 && concurrency > 0)) {
    throw new Error(
      'usage: npm run -s bench -- --count N --rate R [--json FILE] [--agents 50] [--concurrency 64]',
    );
  }
  const started = await ensurePipeline();
  const runId = `bench-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const observer = new PipelineObserver();
  const agentClient = new AgentClient();
  try {
    await bringAgentsOnline({ runId, count, agents, agentClient });
    await observer.start();
    const { summary, refused } = await runLoad({
      runId,
      count,
      rate,
      agents,
      concurrency,
      settleMs: Number(args['settle-seconds']) * 1000,
      samples: loadLabelledInquiries(WORKSPACE),
      intake: new IntakeClient(),
      agentClient,
      observer,
    });
    process.stdout.write(
      `relaydesk benchmark: ${count} inquiries at ${rate}/s, ${agents} agents\n${describeSummary(summary, refused)}\n`,
    );
    if (args.json) writeFileSync(args.json, `${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    await observer.stop();
    await stopPipeline(started);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

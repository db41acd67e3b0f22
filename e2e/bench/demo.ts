// npm run demo: the pipeline as a newcomer meets it. Starts the stack if it is not running, brings a few
// agents online, replays the labelled inquiries through the signed intake API, lets the agents answer and
// resolve, shows a live table per stage, and ends with a summary.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { PipelineObserver } from '../src/support/observer';
import {
  AgentClient,
  ALL_LANGUAGES,
  ALL_SKILLS,
  ensurePipeline,
  IntakeClient,
  stopPipeline,
  WORKSPACE,
} from '../src/support/pipeline';
import { loadLabelledInquiries, toInquiry } from '../src/support/samples';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string' },
    rate: { type: 'string', default: '10' },
    'keep-running': { type: 'boolean', default: false },
  },
});

const TEAM = [
  { name: 'Haruka (ja/en, all desks)', languages: ['ja', 'en'], skills: ALL_SKILLS, tier: 'senior' as const },
  {
    name: 'Kenji (ja, funds and security)',
    languages: ['ja'],
    skills: ['deposit_withdrawal', 'security', 'account'],
    tier: 'standard' as const,
  },
  {
    name: 'Emma (en/fr/de/es/pt)',
    languages: ['en', 'fr', 'de', 'es', 'pt'],
    skills: ALL_SKILLS,
    tier: 'standard' as const,
  },
  { name: 'Wei (zh/ko/en)', languages: ['zh', 'ko', 'en'], skills: ALL_SKILLS, tier: 'standard' as const },
  {
    name: 'Linh (vi/id/tr/ru/en)',
    languages: ['vi', 'id', 'tr', 'ru', 'en'],
    skills: ALL_SKILLS,
    tier: 'standard' as const,
  },
  {
    name: 'Triage desk (every language)',
    languages: ALL_LANGUAGES,
    skills: ['triage', 'other', 'technical'],
    tier: 'senior' as const,
  },
];

function table(rows: [string, number, number][]): string {
  return rows
    .map(([stage, done, total]) => `  ${stage.padEnd(28)} ${String(done).padStart(5)} / ${total}`)
    .join('\n');
}

async function main(): Promise<void> {
  process.stdout.write('relaydesk demo: starting the pipeline if it is not running...\n');
  const started = await ensurePipeline();
  const runId = `demo-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const intake = new IntakeClient();
  const agents = new AgentClient();
  const observer = new PipelineObserver();
  try {
    const ids = TEAM.map((_, index) => `${runId}-agent-${index}`);
    for (const [index, member] of TEAM.entries()) {
      await agents.online(ids[index], { ...member, capacity: 50 });
    }
    process.stdout.write(`${TEAM.length} agents online: ${TEAM.map((member) => member.name).join('; ')}\n`);
    await observer.start();

    const samples = loadLabelledInquiries(WORKSPACE);
    const count = Math.min(Number(args.count ?? samples.length), samples.length);
    const labels = new Map<string, (typeof samples)[number]>();
    let accepted = 0;
    const acknowledged = () => [...observer.traces.values()].filter((trace) => trace.acknowledgedAt).length;
    const replied = new Set<string>();
    const resolved = new Set<string>();

    // The agents: answer each assigned inquiry in its language's spirit, then resolve it.
    let working = true;
    const agentLoop = (async () => {
      while (working) {
        for (const [inquiryId, trace] of observer.traces) {
          if (!trace.agentId || replied.has(inquiryId)) continue;
          replied.add(inquiryId);
          const token = await agents.token(trace.agentId, 'agent');
          await agents.call('POST', `/v1/inquiries/${inquiryId}/replies`, token, {
            body: 'Thank you for contacting us. We have checked your case and here is what happens next.',
          });
          const done = await agents.call('POST', `/v1/inquiries/${inquiryId}/resolve`, token, {});
          if (done.status < 300) resolved.add(inquiryId);
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    })();

    const render = () => {
      const traces = [...observer.traces.values()];
      const lines = table([
        ['accepted by intake', accepted, count],
        ['classified', traces.filter((t) => t.classifiedAt).length, count],
        ['assigned to an agent', traces.filter((t) => t.assignedAt).length, count],
        ['acknowledged to customer', traces.filter((t) => t.acknowledgedAt).length, count],
        ['answered by the agent', replied.size, count],
        ['resolved', resolved.size, count],
      ]);
      process.stdout.write(`${process.stdout.isTTY ? '\x1b[7A\x1b[0J' : ''}progress:\n${lines}\n`);
    };
    if (process.stdout.isTTY) process.stdout.write('\n'.repeat(7));
    const ticker = setInterval(render, 1000);

    for (let index = 0; index < count; index++) {
      const sample = samples[index];
      const answer = await intake.post(toInquiry(sample, runId, index));
      if (answer.httpStatus === 202) {
        accepted++;
        labels.set(answer.inquiryId, sample);
        observer.trace(answer.inquiryId);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000 / Number(args.rate)));
    }
    const deadline = Date.now() + 120_000;
    while (resolved.size < accepted && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 500));
    clearInterval(ticker);
    render();
    working = false;
    await agentLoop;

    const traces = [...observer.traces.entries()];
    const agree = (field: 'category' | 'priority' | 'language') =>
      traces.filter(([id, trace]) => trace.classification?.[field] === labels.get(id)?.[field]).length;
    const byLanguage = new Map<string, number>();
    for (const [, trace] of traces) {
      const language = trace.classification?.language ?? '?';
      byLanguage.set(language, (byLanguage.get(language) ?? 0) + 1);
    }
    process.stdout.write(
      [
        '',
        'What happened:',
        `  ${accepted} customers wrote in, by form, email, social media and chat, in ${byLanguage.size} languages (${[...byLanguage].map(([language, n]) => `${language} ${n}`).join(', ')}).`,
        `  Each got a tracking token at once; ${acknowledged()} got their acknowledgement in their language on their channel (mail and callbacks land in the local sinks of npm start).`,
        `  The classifier agreed with the human labels on ${agree('category')}/${accepted} categories, ${agree('priority')}/${accepted} priorities and ${agree('language')}/${accepted} languages.`,
        `  ${traces.filter(([, t]) => t.classification?.needsReview).length} the classifier was unsure of were routed to agents with the triage skill; urgent ones were served first.`,
        `  ${replied.size} were answered and ${resolved.size} resolved by ${TEAM.length} agents, each only given inquiries in a language they speak and a desk they know.`,
        '  Open http://127.0.0.1:3001/docs (intake), :3003/docs (agents), :3004/docs (deliveries), :3005/docs (SLA) to explore.',
        '',
      ].join('\n'),
    );
  } finally {
    await observer.stop();
    if (!args['keep-running']) await stopPipeline(started);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

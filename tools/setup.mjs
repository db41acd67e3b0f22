// What `npm start` and `npm test` do first on any machine: install what is missing, start the Kafka
// broker unless one runs, check Postgres and Redis, create the database.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function say(message) {
  process.stdout.write(`\x1b[1mrelaydesk\x1b[0m ${message}\n`);
}

export function ensureDependencies() {
  const marker = path.join(ROOT, 'node_modules', '.package-lock.json');
  const lock = path.join(ROOT, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  say('installing npm dependencies (npm ci)...');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('npm ci failed');
}

/** Starts the local broker unless one answers; returns true when this call started it. */
export function ensureKafka() {
  const output = execFileSync('bash', [path.join(ROOT, 'deploy/kafka/kafka.sh'), 'start'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(output);
  return /started on/.test(output);
}

export function stopKafka() {
  spawnSync('bash', [path.join(ROOT, 'deploy/kafka/kafka.sh'), 'stop'], { cwd: ROOT, stdio: 'inherit' });
}

function reachable(host, port, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function checkServices(env = process.env) {
  const database = new URL(env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/relaydesk');
  const redis = new URL(env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const problems = [];
  if (!(await reachable(database.hostname, Number(database.port || 5432)))) {
    problems.push(
      `Postgres does not answer on ${database.host} (start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)`,
    );
  }
  if (!(await reachable(redis.hostname, Number(redis.port || 6379)))) {
    problems.push(
      `Redis does not answer on ${redis.host} (start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no)`,
    );
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

export async function ensureDatabase(env = process.env) {
  const { default: pg } = await import('pg');
  const url = new URL(env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/relaydesk');
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE "${name}"`).catch((error) => {
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
      say(`created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

/** Everything before running anything; returns whether this process started Kafka. */
export async function setUp() {
  ensureDependencies();
  await checkServices();
  const startedKafka = ensureKafka();
  await ensureDatabase();
  return { startedKafka };
}

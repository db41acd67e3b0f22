import { Redis } from 'ioredis';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Client } from 'pg';

/** Postgres queries, Redis commands and round trips, CPU time of this process: counted since a mark. */
export interface IoSnapshot {
  pgQueries: number;
  redisCommands: number;
  /** Commands sent alone plus pipelines/MULTIs (one round trip each). */
  redisRoundTrips: number;
  cpuMs: number;
  wallMs: number;
}

const totals = { pgQueries: 0, redisCommands: 0, redisRoundTrips: 0 };
let installed = false;
const uncounted = new WeakSet<Client>();

/** Leaves the queries of `client` (a bench's own progress poll) out of the counts. */
export function excludeFromIoCount(client: Client): Client {
  uncounted.add(client);
  return client;
}

/**
 * Counts every Postgres query (`pg.Client#query`, which TypeORM's pool uses) and every Redis command
 * (`ioredis`' `sendCommand`; a pipeline sends each of its commands through it with a stream argument and
 * is one round trip, counted at `exec`) in this process. Bench only: it wraps library prototypes.
 */
export function installIoCounter(): void {
  if (installed) return;
  installed = true;
  const query = Client.prototype.query;
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    if (!uncounted.has(this)) totals.pgQueries++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof Client.prototype.query;
  const prototype = Redis.prototype as unknown as {
    sendCommand: (...args: unknown[]) => unknown;
    pipeline: (...args: unknown[]) => { exec: (...args: unknown[]) => unknown };
    multi: (...args: unknown[]) => { exec: (...args: unknown[]) => unknown };
  };
  const sendCommand = prototype.sendCommand;
  prototype.sendCommand = function (this: Redis, ...args: unknown[]) {
    totals.redisCommands++;
    if (args[1] === undefined) totals.redisRoundTrips++;
    return sendCommand.apply(this, args);
  };
  for (const method of ['pipeline', 'multi'] as const) {
    const original = prototype[method];
    prototype[method] = function (this: Redis, ...args: unknown[]) {
      const pipeline = original.apply(this, args);
      // multi() without a pipeline answer is queued on the connection; only wrap real pipelines.
      if (pipeline && typeof pipeline.exec === 'function') {
        const exec = pipeline.exec;
        pipeline.exec = function (this: unknown, ...execArgs: unknown[]) {
          totals.redisRoundTrips++;
          return exec.apply(this, execArgs);
        };
      }
      return pipeline;
    };
  }
}

export class IoMark {
  private readonly at = { ...totals };
  private readonly cpu = process.cpuUsage();
  private readonly started = Date.now();

  since(): IoSnapshot {
    const cpu = process.cpuUsage(this.cpu);
    return {
      pgQueries: totals.pgQueries - this.at.pgQueries,
      redisCommands: totals.redisCommands - this.at.redisCommands,
      redisRoundTrips: totals.redisRoundTrips - this.at.redisRoundTrips,
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs: Date.now() - this.started,
    };
  }

  /** The snapshot divided by `n` operations (CPU in ms per operation). */
  per(n: number): Record<string, number> {
    const snapshot = this.since();
    const round = (value: number) => Math.round((value / n) * 1000) / 1000;
    return {
      pgQueries: round(snapshot.pgQueries),
      redisCommands: round(snapshot.redisCommands),
      redisRoundTrips: round(snapshot.redisRoundTrips),
      cpuMs: round(snapshot.cpuMs),
      wallSeconds: snapshot.wallMs / 1000,
      loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
    };
  }
}

/** CPU milliseconds (user + system) that process `pid` has used so far, from /proc (Linux). */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat(5), 11 and 12 after "pid (comm) "; in clock ticks.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** The 1, 5 and 15 minute load averages, for the record next to a figure. */
export function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

/** The TCP connections process `pid` holds, as local and remote ports (from /proc: Linux; IPv4 and IPv6). */
export function processTcpConnections(pid: number): { localPort: number; remotePort: number }[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const target = (() => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return ''; // closed meanwhile
      }
    })();
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  const connections: { localPort: number; remotePort: number }[] = [];
  const port = (address: string) => parseInt(address.slice(address.lastIndexOf(':') + 1), 16);
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length > 9 && inodes.has(fields[9]))
        connections.push({ localPort: port(fields[1]), remotePort: port(fields[2]) });
    }
  }
  return connections;
}

/**
 * The Postgres backends serving the connections of process `pid` (matched by client port), so a bench
 * can count the database's CPU for one service on a shared server: `processCpuMs` of each.
 */
export async function postgresBackendsOf(client: Client, pid: number): Promise<number[]> {
  const { rows: server } = await client.query<{ port: number }>(`SELECT inet_server_port() AS port`);
  const ports = processTcpConnections(pid)
    .filter((connection) => connection.remotePort === server[0].port)
    .map((connection) => connection.localPort);
  const { rows } = await client.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE client_addr IS NOT NULL AND client_port = ANY($1::int[])`,
    [ports],
  );
  return rows.map((row) => row.pid);
}

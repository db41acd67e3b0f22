import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { PipelineUrls } from './pipeline';

export const SERVICE_NAMES = ['intake', 'classifier', 'assignment', 'notification', 'sla-timer'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const WORKSPACE = path.resolve(__dirname, '../../..');

export interface ServiceProcess {
  name: ServiceName;
  replica: number;
  port: number;
  env: Record<string, string>;
  child?: ChildProcess;
  output: string[];
}

/**
 * The five services as separate processes that this process supervises: unlike `npm start`, a single
 * one can be killed (-9) and started again, and a service can run as several replicas.
 */
export class Stack {
  readonly processes: ServiceProcess[] = [];
  /** Set by stopAll: readiness waits still polling (another service failed first) give up at once. */
  private stopping = false;

  constructor(
    private readonly sharedEnv: Record<string, string>,
    private readonly envFor: (name: ServiceName) => Record<string, string> = () => ({}),
  ) {}

  add(name: ServiceName, port: number, replica = 0): ServiceProcess {
    const service: ServiceProcess = {
      name,
      replica,
      port,
      env: { ...this.sharedEnv, ...this.envFor(name), PORT: String(port) },
      output: [],
    };
    this.processes.push(service);
    return service;
  }

  urls(replica = 0): PipelineUrls {
    const port = (name: ServiceName) =>
      this.processes.find((service) => service.name === name && service.replica === replica)!.port;
    return {
      intake: `http://127.0.0.1:${port('intake')}`,
      classifier: `http://127.0.0.1:${port('classifier')}`,
      assignment: `http://127.0.0.1:${port('assignment')}`,
      notification: `http://127.0.0.1:${port('notification')}`,
      slaTimer: `http://127.0.0.1:${port('sla-timer')}`,
    };
  }

  start(service: ServiceProcess): void {
    this.stopping = false;
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', path.join(WORKSPACE, `apps/${service.name}/src/main.ts`)],
      {
        cwd: WORKSPACE,
        env: { ...process.env, ...service.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const keep = (chunk: Buffer) => {
      service.output.push(chunk.toString());
      if (service.output.length > 200) service.output.shift();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    service.child = child;
  }

  startAll(): void {
    for (const service of this.processes) this.start(service);
  }

  async waitReady(service: ServiceProcess, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${service.port}/health/ready`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) return;
      if (this.stopping) throw new Error(`${service.name}: the stack is stopping`);
      if (service.child?.exitCode !== null && service.child?.exitCode !== undefined) {
        throw new Error(
          `${service.name} exited (${service.child.exitCode}):\n${service.output.join('').slice(-3000)}`,
        );
      }
      if (Date.now() > deadline)
        throw new Error(
          `${service.name} not ready after ${timeoutMs} ms:\n${service.output.join('').slice(-3000)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async waitAllReady(timeoutMs?: number): Promise<void> {
    await Promise.all(this.processes.map((service) => this.waitReady(service, timeoutMs)));
  }

  /** kill -9: no shutdown hook runs; whatever the process held in memory is gone. */
  async kill(service: ServiceProcess): Promise<void> {
    const child = service.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.processes.map(async (service) => {
        const child = service.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

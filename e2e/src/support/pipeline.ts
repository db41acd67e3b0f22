import { JwtService } from '@nestjs/jwt';
import type { AgentRole, Category } from '@relaydesk/contracts';
import { Category as Categories, SupportedLanguage } from '@relaydesk/contracts';
import { signAgentToken } from '@relaydesk/runtime';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import path from 'node:path';

/** Drives a running pipeline only through its public HTTP APIs (API.md). */
export const WORKSPACE = path.resolve(__dirname, '../../..');

export interface PipelineUrls {
  intake: string;
  classifier: string;
  assignment: string;
  notification: string;
  slaTimer: string;
}

export const LOCAL_URLS: PipelineUrls = {
  intake: 'http://127.0.0.1:3001',
  classifier: 'http://127.0.0.1:3002',
  assignment: 'http://127.0.0.1:3003',
  notification: 'http://127.0.0.1:3004',
  slaTimer: 'http://127.0.0.1:3005',
};

export async function isReady(urls: PipelineUrls): Promise<boolean> {
  const answers = await Promise.all(
    Object.values(urls).map((url: string) =>
      fetch(`${url}/health/ready`).then(
        (response) => response.ok,
        () => false,
      ),
    ),
  );
  return answers.every(Boolean);
}

/** Starts `npm start`'s pipeline in the background when it does not answer; returns the process, if started. */
export async function ensurePipeline(
  urls: PipelineUrls = LOCAL_URLS,
  timeoutMs = 240_000,
): Promise<ChildProcess | undefined> {
  if (await isReady(urls)) return undefined;
  const child = spawn(process.execPath, [path.join(WORKSPACE, 'tools/start.mjs')], {
    cwd: WORKSPACE,
    env: { ...process.env, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const deadline = Date.now() + timeoutMs;
  while (!(await isReady(urls))) {
    if (child.exitCode !== null)
      throw new Error('the pipeline stopped while starting (see the output above)');
    if (Date.now() > deadline) throw new Error(`the pipeline was not ready within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return child;
}

export function stopPipeline(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    process.kill(-child.pid!, 'SIGINT');
  });
}

export interface InquiryInput {
  channel: 'form' | 'email' | 'social' | 'chat';
  externalId: string;
  threadId?: string;
  customer: {
    id?: string;
    email?: string;
    handle?: string;
    name?: string;
    tier?: 'standard' | 'vip';
    locale?: string;
  };
  subject?: string;
  body: string;
}

export interface Accepted {
  /** The HTTP status (the body's own `status` is the inquiry's: `received`). */
  httpStatus: number;
  inquiryId: string;
  trackingToken: string;
  duplicate: boolean;
  messageId?: string;
}

export class IntakeClient {
  constructor(
    private readonly url = LOCAL_URLS.intake,
    private readonly adapter = process.env['BENCH_ADAPTER'] ?? 'demo',
    private readonly secret = process.env['BENCH_ADAPTER_SECRET'] ?? 'demo-secret',
  ) {}

  async post(inquiry: InquiryInput): Promise<Accepted> {
    const body = JSON.stringify(inquiry);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', this.secret).update(`${timestamp}.${body}`).digest('hex');
    const response = await fetch(`${this.url}/v1/inquiries`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-relaydesk-adapter': this.adapter,
        'x-relaydesk-timestamp': timestamp,
        'x-relaydesk-signature': `sha256=${signature}`,
      },
      body,
    });
    const answer = (await response.json()) as Omit<Accepted, 'httpStatus'>;
    return { ...answer, httpStatus: response.status };
  }

  async status(inquiryId: string, token: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.url}/v1/inquiries/${inquiryId}/status`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: await response.json() };
  }
}

export const ALL_LANGUAGES = Object.values(SupportedLanguage);
export const ALL_SKILLS: (Category | 'triage')[] = [...Object.values(Categories), 'triage'];

export class AgentClient {
  private readonly jwt = new JwtService();

  constructor(
    private readonly url = LOCAL_URLS.assignment,
    private readonly secret = process.env['AGENT_JWT_SECRET'] ?? 'dev-agent-secret',
  ) {}

  token(sub: string, role: AgentRole): Promise<string> {
    return signAgentToken(this.jwt, { sub, role }, this.secret);
  }

  async call(
    method: string,
    pathName: string,
    token: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.url}${pathName}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  /** Creates (or updates) an agent as admin and brings it online as itself. */
  async online(
    id: string,
    profile: {
      name: string;
      languages: string[];
      skills: string[];
      capacity: number;
      tier: 'standard' | 'senior';
    },
  ): Promise<void> {
    const admin = await this.token('bench-admin', 'admin');
    const created = await this.call('PUT', `/v1/agents/${id}`, admin, profile);
    if (created.status >= 300)
      throw new Error(`PUT /v1/agents/${id}: ${created.status} ${JSON.stringify(created.body)}`);
    const presence = await this.call('PUT', `/v1/agents/${id}/presence`, await this.token(id, 'agent'), {
      status: 'online',
    });
    if (presence.status >= 300)
      throw new Error(`presence of ${id}: ${presence.status} ${JSON.stringify(presence.body)}`);
  }
}

export function percentiles(values: number[]): { p50: number; p95: number; p99: number } {
  if (values.length === 0) return { p50: 0, p95: 0, p99: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

import { KafkaEventServer } from '@relaydesk/messaging';
import {
  cleanUpRun,
  isolatedEnv,
  type RunningService,
  startTestService,
  testRunId,
} from '@relaydesk/testing';
import { AppModule } from '../src/app.module';
import { intakeServiceOptions } from '../src/bootstrap-options';
import { type IntakeConfig, loadIntakeConfig } from '../src/config';
import { signAdapterRequest } from '../src/adapters/adapter-signature';

export const DEMO = { adapterId: 'demo', secret: 'demo-secret' } as const;

/** One intake on its own schema, topic prefix and Redis prefix, against the real infrastructure. */
export async function startIntake(extraEnv: Record<string, string> = {}): Promise<{
  runId: string;
  env: Record<string, string>;
  config: IntakeConfig;
  service: RunningService;
  stop(): Promise<void>;
}> {
  const runId = testRunId();
  const env = { ...isolatedEnv(runId, 'intake'), ...extraEnv };
  const config = loadIntakeConfig({ ...process.env, ...env });
  const service = await startTestService(
    AppModule.forRoot(config),
    intakeServiceOptions(config, [KafkaEventServer]),
  );
  return {
    runId,
    env,
    config,
    service,
    stop: async () => {
      await service.close();
      await cleanUpRun(runId);
    },
  };
}

/**
 * Another replica of a running intake (same schema, topics and Redis prefix), without Kafka consumers:
 * whatever reaches it was projected by the other replica.
 */
export async function startIntakeReplica(env: Record<string, string>): Promise<RunningService> {
  const config = loadIntakeConfig({ ...process.env, ...env });
  return startTestService(AppModule.forRoot(config), intakeServiceOptions(config, []));
}

/** The fields of intake's answers (accepted or error) that tests look at. */
export interface AnswerBody {
  inquiryId: string;
  messageId: string;
  trackingToken: string;
  status: string;
  duplicate: boolean;
  previousInquiryId?: string;
  statusCode?: number;
  error?: string;
  message?: string;
  errors: { field: string; message: string }[];
  text?: string;
}

export interface PostOptions {
  adapterId?: string;
  secret?: string;
  timestamp?: number;
  contentType?: string;
  /** Replace the computed signature. */
  signature?: string | null;
}

/** Posts raw text signed like an adapter would. */
export async function signedPost(
  url: string,
  raw: string,
  options: PostOptions = {},
): Promise<{ status: number; headers: Headers; body: AnswerBody }> {
  const adapterId = options.adapterId ?? DEMO.adapterId;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature =
    options.signature === undefined
      ? signAdapterRequest(options.secret ?? DEMO.secret, timestamp, raw)
      : options.signature;
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/json',
    'x-relaydesk-adapter': adapterId,
    'x-relaydesk-timestamp': String(timestamp),
  };
  if (signature !== null) headers['x-relaydesk-signature'] = signature;
  const response = await fetch(`${url}/v1/inquiries`, { method: 'POST', headers, body: raw });
  const text = await response.text();
  let body = { text } as AnswerBody;
  try {
    body = JSON.parse(text) as AnswerBody;
  } catch {
    // keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

export function postInquiry(url: string, inquiry: Record<string, unknown>, options: PostOptions = {}) {
  return signedPost(url, JSON.stringify(inquiry), options);
}

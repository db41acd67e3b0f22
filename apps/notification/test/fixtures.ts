import { type EventEnvelope, parseTopic, type PayloadInputOf, type Topic } from '@relaydesk/contracts';
import { adapterSignatureValid, classifiedPayload } from '@relaydesk/testing';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCall {
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  body: Record<string, unknown>;
  signatureValid: boolean;
  status: number;
  /** The client's port: the same for requests over one kept-alive connection. */
  remotePort: number;
}

/**
 * A local HTTP receiver standing in for an adapter and a chat tool. It checks signatures like they would,
 * and answers with the status codes scripted for an inquiry (then 200).
 */
export class LocalReceiver {
  readonly calls: ReceivedCall[] = [];
  private readonly scripts = new Map<string, number[]>();
  private server?: http.Server;
  port = 0;
  /** How long each answer takes (a slow receiver lets a backlog build up). */
  delayMs = 0;

  constructor(private readonly secrets: Record<string, string>) {}

  script(inquiryId: string, statuses: number[]): void {
    this.scripts.set(inquiryId, [...statuses]);
  }

  async start(): Promise<number> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const body = JSON.parse(rawBody) as Record<string, unknown>;
        const secret = this.secrets[req.url ?? ''] ?? '';
        const inquiryId = typeof body['inquiryId'] === 'string' ? body['inquiryId'] : '';
        const status = this.scripts.get(inquiryId)?.shift() ?? 200;
        this.calls.push({
          path: req.url ?? '',
          headers: req.headers,
          rawBody,
          body,
          signatureValid: adapterSignatureValid(secret, req.headers, rawBody),
          status,
          remotePort: req.socket.remotePort ?? 0,
        });
        const answer = () => res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
        if (this.delayMs > 0) setTimeout(answer, this.delayMs);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  of(inquiryId: string): ReceivedCall[] {
    return this.calls.filter((call) => call.body['inquiryId'] === inquiryId);
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export function envelope<T extends Topic>(
  topic: T,
  inquiryId: string,
  payload: PayloadInputOf<T>,
): EventEnvelope<T> {
  const { type, version } = parseTopic(topic);
  return {
    id: randomUUID(),
    type,
    version,
    occurredAt: new Date().toISOString(),
    inquiryId,
    correlationId: randomUUID(),
    causationId: null,
    payload: payload as EventEnvelope<T>['payload'],
  };
}

export function received(
  inquiryId: string,
  options: {
    channel: 'email' | 'chat' | 'social' | 'form';
    email?: string;
    handle?: string;
    name?: string;
    locale?: string;
    trackingTokenSealed?: string;
    adapterId?: string;
  },
) {
  const now = new Date().toISOString();
  return {
    inquiryId,
    messageId: randomUUID(),
    adapterId: options.adapterId ?? 'demo',
    externalId: `ext-${inquiryId}`,
    channel: options.channel,
    customer: {
      tier: 'standard' as const,
      ...(options.email ? { email: options.email } : {}),
      ...(options.handle ? { handle: options.handle } : {}),
      ...(options.name ? { name: options.name } : {}),
      ...(options.locale ? { locale: options.locale } : {}),
    },
    body: 'help',
    receivedAt: now,
    acceptedAt: now,
    ...(options.trackingTokenSealed ? { trackingTokenSealed: options.trackingTokenSealed } : {}),
  };
}

export function classified(
  inquiryId: string,
  language: string,
  articles: { title: string; url: string }[] = [],
  channel: 'email' | 'chat' | 'social' | 'form' = 'email',
) {
  return classifiedPayload({
    inquiryId,
    category: 'deposit_withdrawal',
    priority: 'high',
    language,
    confidence: { category: 0.9, priority: 0.8, language: 0.99 },
    suggestedArticles: articles.map((article, index) => ({
      id: `a${index}`,
      ...article,
      language,
      score: 1 - index / 10,
    })),
    channel,
  });
}

export function deadlinesSet(inquiryId: string, firstResponseDueAt: string) {
  return {
    inquiryId,
    priority: 'high' as const,
    policy: 'high/standard',
    firstResponseDueAt,
    clocks: [{ kind: 'first_response' as const, dueAt: firstResponseDueAt, state: 'running' as const }],
    setAt: new Date().toISOString(),
  };
}

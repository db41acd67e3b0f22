import { type EventEnvelope, parseTopic, type PayloadInputOf, type Topic } from '@relaydesk/contracts';
import { simpleParser, type ParsedMail } from 'mailparser';
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server on a free local port; refuses (550) recipients whose address starts with "bounce". */
export class LocalSmtp {
  readonly mails: ParsedMail[] = [];
  private server?: SMTPServer;
  port = 0;

  async start(): Promise<number> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (address.address.startsWith('bounce')) {
          const error = new Error('5.1.1 no such mailbox') as Error & { responseCode: number };
          error.responseCode = 550;
          return callback(error);
        }
        callback();
      },
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            this.mails.push(mail);
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this.port;
  }

  to(address: string): ParsedMail[] {
    return this.mails.filter((mail) => {
      const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
      return to.some((group) => group.value.some((entry) => entry.address === address));
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export interface ReceivedCall {
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  body: Record<string, unknown>;
  signatureValid: boolean;
  status: number;
}

/** How an adapter checks a request signed per API.md: HMAC over `${timestamp}.${rawBody}`, 300 s window. */
export function adapterAccepts(secret: string, headers: http.IncomingHttpHeaders, rawBody: string): boolean {
  const timestamp = String(headers['x-relaydesk-timestamp'] ?? '');
  const signature = String(headers['x-relaydesk-signature'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
  return signature === expected;
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
          signatureValid: adapterAccepts(secret, req.headers, rawBody),
          status,
        });
        res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
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
  const now = new Date().toISOString();
  return {
    inquiryId,
    classifierVersion: 'test',
    category: 'deposit_withdrawal' as const,
    priority: 'high' as const,
    language,
    confidence: { category: 0.9, priority: 0.8, language: 0.99 },
    needsReview: false,
    entities: {
      txHashes: [],
      addresses: [],
      assets: [],
      networks: [],
      amounts: [],
      orderIds: [],
      withdrawalIds: [],
    },
    suggestedArticles: articles.map((article, index) => ({
      id: `a${index}`,
      ...article,
      language,
      score: 1 - index / 10,
    })),
    channel,
    customerTier: 'standard' as const,
    acceptedAt: now,
    reclassification: false,
    classifiedAt: now,
  };
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

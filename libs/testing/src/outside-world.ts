import { type ParsedMail, simpleParser } from 'mailparser';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server on 127.0.0.1 (free port) that parses and keeps every mail. `refuses` makes it
 * answer 550 for some recipients, as a mailbox that does not exist would.
 */
export class LocalSmtp {
  readonly mails: ParsedMail[] = [];
  /** SMTP connections clients opened (a pooled client opens few). */
  connections = 0;
  private server?: SMTPServer;
  port = 0;

  constructor(private readonly options: { refuses?: (address: string) => boolean } = {}) {}

  async start(): Promise<number> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onConnect: (_session, callback) => {
        this.connections += 1;
        callback();
      },
      onRcptTo: (address, _session, callback) => {
        if (this.options.refuses?.(address.address)) {
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

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Mails addressed to `address` (case-insensitive), in arrival order. */
  to(address: string): ParsedMail[] {
    const wanted = address.toLowerCase();
    return this.mails.filter((mail) => {
      const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
      return to.some((group) => group.value.some((entry) => entry.address?.toLowerCase() === wanted));
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * How an adapter (or a chat tool) checks a request signed per API.md: HMAC-SHA256 of
 * `${timestamp}.${rawBody}` with its secret, within a 300 s window, compared in constant time.
 */
export function adapterSignatureValid(
  secret: string,
  headers: http.IncomingHttpHeaders,
  rawBody: string,
): boolean {
  const timestamp = String(headers['x-relaydesk-timestamp'] ?? '');
  const signature = String(headers['x-relaydesk-signature'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

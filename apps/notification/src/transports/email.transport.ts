import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '@relaydesk/runtime';
import net from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { NotificationConfig } from '../config';
import type { ClaimedDelivery } from '../deliveries/delivery.model';
import { DeliveryError } from './delivery.error';

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  message?: string;
}

/** A 5xx reply or an address SMTP refuses will never be taken; a 4xx reply or a lost connection may be. */
export function isPermanentSmtpFailure(error: SmtpFailure): boolean {
  if (typeof error.responseCode === 'number') return error.responseCode >= 500;
  return error.code === 'EENVELOPE' || error.code === 'EADDRESS';
}

const CONNECTION_TIMEOUT_MS = 10_000;

/**
 * Opens the TCP connection of a pooled SMTP connection with Nagle's algorithm off. nodemailer leaves it on,
 * and SMTP's small writes (the commands, the end of the data) then wait for the server's delayed ACK:
 * ~40 ms per message, which capped each pooled connection near 20 messages a second. nodemailer's
 * `getSocket` hook (meant for proxies) takes an open socket; TLS (smtps, STARTTLS) is set up on it as on
 * its own sockets.
 */
export function connectWithoutDelay(
  options: { host?: string; port?: number; secure?: boolean },
  callback: (error: Error | null, socket?: { connection: net.Socket }) => void,
): void {
  let answered = false;
  const answer = (error: Error | null, socket?: { connection: net.Socket }) => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    callback(error, socket);
  };
  // nodemailer's defaults for what the URL leaves out.
  const socket = net.connect({
    host: options.host ?? 'localhost',
    port: options.port ?? (options.secure ? 465 : 587),
    noDelay: true,
  });
  const timer = setTimeout(
    () => socket.destroy(new Error(`no SMTP connection within ${CONNECTION_TIMEOUT_MS} ms`)),
    CONNECTION_TIMEOUT_MS,
  );
  // Stays on: an error after the hand-over reaches nodemailer's handler as well, and is ignored here.
  socket.on('error', (error) => answer(error));
  socket.once('connect', () => answer(null, { connection: socket }));
}

/**
 * Email over SMTP (`SMTP_URL`) with a pool of connections (without Nagle's delay, see
 * connectWithoutDelay). The Message-ID is derived from the delivery id,
 * so a message sent twice in the crash window (see README) carries the same id and mail systems that
 * de-duplicate by Message-ID show it once.
 */
@Injectable()
export class EmailTransport implements OnApplicationShutdown {
  private readonly transporter: Transporter;

  constructor(@Inject(APP_CONFIG) private readonly config: NotificationConfig) {
    // The URL is parsed here: given as `url`, nodemailer would take the URL alone and drop every other
    // option (no pool: one connection per message; no timeouts).
    const options: SMTPPool.Options = {
      ...parseConnectionUrl(config.SMTP_URL),
      pool: true,
      maxConnections: config.SMTP_MAX_CONNECTIONS,
      getSocket: connectWithoutDelay,
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    };
    this.transporter = nodemailer.createTransport(options);
  }

  async send(delivery: ClaimedDelivery): Promise<void> {
    if (!delivery.address || !delivery.message || !('subject' in delivery.message)) {
      throw new DeliveryError('not an email delivery', true);
    }
    const mail = {
      from: this.config.MAIL_FROM,
      to: delivery.address,
      subject: delivery.message.subject,
      text: delivery.message.text,
      html: delivery.message.html,
      messageId: `<${delivery.id}@relaydesk>`,
      // The MIME boundaries' unique part (nodemailer draws random bytes for each part otherwise).
      baseBoundary: delivery.id.replace(/-/g, ''),
      headers: {
        'X-Relaydesk-Delivery': delivery.id,
        'X-Relaydesk-Inquiry': delivery.inquiry_id,
        ...(delivery.language ? { 'Content-Language': delivery.language } : {}),
      },
    };
    try {
      // Built whole first: streamed by nodemailer, the message goes out in dozens of small socket writes.
      const message = new MailComposer(mail).compile();
      const raw = await message.build();
      await this.transporter.sendMail({ envelope: message.getEnvelope(), raw });
    } catch (error) {
      const failure = error as SmtpFailure;
      throw new DeliveryError(`SMTP: ${failure.message ?? String(error)}`, isPermanentSmtpFailure(failure));
    }
  }

  onApplicationShutdown(): void {
    this.transporter.close();
  }
}

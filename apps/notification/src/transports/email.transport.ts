import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '@relaydesk/runtime';
import nodemailer, { type Transporter } from 'nodemailer';
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

/**
 * Email over SMTP (`SMTP_URL`) with a pool of connections. The Message-ID is derived from the delivery id,
 * so a message sent twice in the crash window (see README) carries the same id and mail systems that
 * de-duplicate by Message-ID show it once.
 */
@Injectable()
export class EmailTransport implements OnApplicationShutdown {
  private readonly transporter: Transporter;

  constructor(@Inject(APP_CONFIG) private readonly config: NotificationConfig) {
    this.transporter = nodemailer.createTransport({
      url: config.SMTP_URL,
      pool: true,
      maxConnections: config.SMTP_MAX_CONNECTIONS,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    } as nodemailer.TransportOptions);
  }

  async send(delivery: ClaimedDelivery): Promise<void> {
    if (!delivery.address || !delivery.message || !('subject' in delivery.message)) {
      throw new DeliveryError('not an email delivery', true);
    }
    try {
      await this.transporter.sendMail({
        from: this.config.MAIL_FROM,
        to: delivery.address,
        subject: delivery.message.subject,
        text: delivery.message.text,
        html: delivery.message.html,
        messageId: `<${delivery.id}@relaydesk>`,
        headers: {
          'X-Relaydesk-Delivery': delivery.id,
          'X-Relaydesk-Inquiry': delivery.inquiry_id,
          ...(delivery.language ? { 'Content-Language': delivery.language } : {}),
        },
      });
    } catch (error) {
      const failure = error as SmtpFailure;
      throw new DeliveryError(`SMTP: ${failure.message ?? String(error)}`, isPermanentSmtpFailure(failure));
    }
  }

  onApplicationShutdown(): void {
    this.transporter.close();
  }
}

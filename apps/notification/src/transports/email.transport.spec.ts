import { freePort, LocalSmtp } from '@relaydesk/testing';
import { randomUUID } from 'node:crypto';
import { loadNotificationConfig } from '../config';
import type { ClaimedDelivery } from '../deliveries/delivery.model';
import { DeliveryError } from './delivery.error';
import { EmailTransport } from './email.transport';

function delivery(address: string): ClaimedDelivery {
  return {
    id: randomUUID(),
    inquiry_id: randomUUID(),
    kind: 'reply',
    transport: 'email',
    address,
    language: 'ja',
    message: { subject: 'お問い合わせ ABC123', text: 'こんにちは\n', html: '<p>こんにちは</p>' },
    attempts: 1,
  };
}

/** The SMTP client against a local SMTP server (real sockets): the pool, the message, how failures count. */
describe('EmailTransport', () => {
  const smtp = new LocalSmtp({ refuses: (address) => address.startsWith('bounce') });
  let transport: EmailTransport;

  const transportTo = (url: string) =>
    new EmailTransport(
      loadNotificationConfig({
        SMTP_URL: url,
        SMTP_MAX_CONNECTIONS: '1',
        MAIL_FROM: 'relaydesk support <support@relaydesk.test>',
      }),
    );

  beforeAll(async () => {
    await smtp.start();
    transport = transportTo(smtp.url);
  });

  afterAll(async () => {
    transport.onApplicationShutdown();
    await smtp.stop();
  });

  it('sends mails in a row over one pooled connection, with the delivery id as Message-ID', async () => {
    const address = `customer-${randomUUID()}@example.test`;
    const sent = [delivery(address), delivery(address), delivery(address)];
    const before = smtp.connections;
    for (const one of sent) await transport.send(one);
    expect(smtp.connections - before).toBeLessThanOrEqual(1);
    const mails = smtp.to(address);
    expect(mails.map((mail) => mail.messageId)).toEqual(sent.map((one) => `<${one.id}@relaydesk>`));
    const [first] = mails;
    expect(first.subject).toBe('お問い合わせ ABC123');
    expect(first.text).toBe('こんにちは\n');
    expect(first.html).toBe('<p>こんにちは</p>');
    expect(first.from?.value[0]).toEqual({ address: 'support@relaydesk.test', name: 'relaydesk support' });
    expect(first.headers.get('x-relaydesk-delivery')).toBe(sent[0].id);
    expect(first.headers.get('x-relaydesk-inquiry')).toBe(sent[0].inquiry_id);
    expect(first.headers.get('content-language')).toBe('ja');
  });

  it('counts an address the server refuses as permanent', async () => {
    await expect(transport.send(delivery('bounce@example.test'))).rejects.toMatchObject({
      name: 'DeliveryError',
      permanent: true,
    });
  });

  it('counts a refused connection as worth a retry', async () => {
    const closed = transportTo(`smtp://127.0.0.1:${await freePort()}`);
    try {
      const error = await closed.send(delivery('someone@example.test')).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(DeliveryError);
      expect((error as DeliveryError).permanent).toBe(false);
    } finally {
      closed.onApplicationShutdown();
    }
  });
});

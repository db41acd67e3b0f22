import { freePort } from '@relaydesk/testing';
import { randomUUID } from 'node:crypto';
import { LocalReceiver } from '../../test/fixtures';
import { loadNotificationConfig } from '../config';
import { adapterAddress, type DeliveryRow } from '../deliveries/delivery.model';
import { DeliveryError } from './delivery.error';
import { WebhookTransport } from './webhook.transport';

function delivery(inquiryId: string): DeliveryRow {
  return {
    id: randomUUID(),
    event_id: randomUUID(),
    inquiry_id: inquiryId,
    kind: 'reply',
    recipient: 'customer',
    recipient_key: 'customer',
    transport: 'webhook',
    address: adapterAddress('demo'),
    channel: 'chat',
    language: 'en',
    status: 'queued',
    held: false,
    variables: {},
    message: { body: { inquiryId, text: 'Your withdrawal was credited.' } },
    attempts: 1,
    last_error: null,
    created_at: new Date(),
    sent_at: null,
    failed_at: null,
  };
}

/** The webhook client against a local receiver (real sockets): keep-alive, timeout, how failures count. */
describe('WebhookTransport', () => {
  const receiver = new LocalReceiver({ '/adapter': 'demo-secret' });
  let transport: WebhookTransport;

  const transportTo = (url: string, timeoutMs = 2_000) =>
    new WebhookTransport(
      loadNotificationConfig({
        ADAPTER_CALLBACKS: `demo=${url}`,
        ADAPTER_SECRETS: 'demo=demo-secret',
        WEBHOOK_TIMEOUT_MS: String(timeoutMs),
        WEBHOOK_CONCURRENCY: '4',
      }),
    );

  beforeAll(async () => {
    await receiver.start();
    transport = transportTo(`http://127.0.0.1:${receiver.port}/adapter`);
  });

  afterAll(async () => {
    transport.onApplicationShutdown();
    await receiver.stop();
  });

  beforeEach(() => {
    receiver.delayMs = 0;
  });

  it('posts the signed body with the idempotency key, reusing one connection for deliveries in a row', async () => {
    const inquiryId = randomUUID();
    const sent = [delivery(inquiryId), delivery(inquiryId), delivery(inquiryId)];
    for (const one of sent) await transport.send(one);
    const calls = receiver.of(inquiryId);
    expect(calls.map((call) => call.headers['idempotency-key'])).toEqual(sent.map((one) => one.id));
    expect(calls.every((call) => call.signatureValid)).toBe(true);
    expect(new Set(calls.map((call) => call.remotePort)).size).toBe(1);
    expect(JSON.parse(calls[0].rawBody)).toEqual({ inquiryId, text: 'Your withdrawal was credited.' });
  });

  it('counts 4xx as permanent except 408 and 429, and 5xx as worth a retry', async () => {
    const cases: [number, boolean][] = [
      [400, true],
      [404, true],
      [408, false],
      [429, false],
      [500, false],
      [503, false],
    ];
    for (const [status, permanent] of cases) {
      const inquiryId = randomUUID();
      receiver.script(inquiryId, [status]);
      const error = await transport.send(delivery(inquiryId)).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(DeliveryError);
      expect((error as DeliveryError).message).toContain(`answered ${status}`);
      expect((error as DeliveryError).permanent).toBe(permanent);
    }
  });

  it('gives up after WEBHOOK_TIMEOUT_MS, as a failure worth a retry', async () => {
    const slow = transportTo(`http://127.0.0.1:${receiver.port}/adapter`, 200);
    receiver.delayMs = 1_000;
    const started = Date.now();
    try {
      await expect(slow.send(delivery(randomUUID()))).rejects.toMatchObject({
        name: 'DeliveryError',
        permanent: false,
        message: expect.stringContaining('no answer within 200 ms') as unknown,
      });
      expect(Date.now() - started).toBeLessThan(900);
    } finally {
      slow.onApplicationShutdown();
    }
  });

  it('counts a refused connection as worth a retry', async () => {
    const closed = transportTo(`http://127.0.0.1:${await freePort()}/adapter`);
    try {
      await expect(closed.send(delivery(randomUUID()))).rejects.toMatchObject({
        name: 'DeliveryError',
        permanent: false,
      });
    } finally {
      closed.onApplicationShutdown();
    }
  });
});

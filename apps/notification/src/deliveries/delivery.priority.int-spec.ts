import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { cleanUpRun, isolatedEnv, testRunId, waitFor, withPg } from '@relaydesk/testing';
import { randomUUID } from 'node:crypto';
import { LocalReceiver } from '../../test/fixtures';
import { AppModule } from '../app.module';
import { loadNotificationConfig, type NotificationConfig } from '../config';
import { AGENT_WEBHOOK_ADDRESS, adapterAddress, type DeliveryRef } from './delivery.model';
import { DeliveryQueues } from './delivery.queues';
import { DeliveryWorkers } from './delivery.workers';

const runId = testRunId();
const env = isolatedEnv(runId, 'notification-priority');
const CHAT_SECRET = 'test-chat-webhook-secret';
const STAFF_BURST = 60;

/**
 * Customer deliveries go before staff alerts within a transport's queue: with one webhook worker slot and
 * a slow receiver, a customer acknowledgement enqueued behind a burst of staff alerts is sent next, not
 * after the burst. Real Postgres, Redis and BullMQ.
 */
describe('delivery priority: customers before staff alerts in the same transport queue', () => {
  const receiver = new LocalReceiver({ '/adapter': 'demo-secret', '/chat': CHAT_SECRET });
  let config: NotificationConfig;
  let app: INestApplication;
  let schema: string;

  beforeAll(async () => {
    await receiver.start();
    receiver.delayMs = 15;
    config = loadNotificationConfig({
      ...process.env,
      ...env,
      LOG_LEVEL: 'error',
      ADAPTER_CALLBACKS: `demo=http://127.0.0.1:${receiver.port}/adapter`,
      AGENT_WEBHOOK_URL: `http://127.0.0.1:${receiver.port}/chat`,
      AGENT_WEBHOOK_SECRET: CHAT_SECRET,
      WEBHOOK_CONCURRENCY: '1',
      DELIVERY_SWEEP_INTERVAL_MS: '3600000',
    });
    schema = `"${config.DB_SCHEMA}"`;
    app = await NestFactory.create(AppModule.forRoot(config), { logger: ['error'] });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await receiver.stop();
    await cleanUpRun(runId);
  });

  /** Ready webhook deliveries as the consumer leaves them: staff chat alerts, or a customer's ack. */
  async function insert(
    rows: { id: string; inquiryId: string; recipient: 'customer' | 'agent' }[],
  ): Promise<DeliveryRef[]> {
    await withPg((client) =>
      client.query(
        `INSERT INTO ${schema}.deliveries (id, event_id, inquiry_id, kind, recipient, recipient_key, channel,
           variables, held, transport, address, language, message, created_at)
         SELECT r.id, gen_random_uuid(), r.inquiry_id,
           CASE WHEN r.recipient = 'customer' THEN 'acknowledgement' ELSE 'sla_breach' END,
           r.recipient, CASE WHEN r.recipient = 'customer' THEN 'customer' ELSE $4 END,
           'chat', '{}', false, 'webhook',
           CASE WHEN r.recipient = 'customer' THEN $5 ELSE $4 END, 'en',
           jsonb_build_object('body', jsonb_build_object('inquiryId', r.inquiry_id, 'text', 'hello')),
           now() - interval '1 second'
         FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS r(id, inquiry_id, recipient)`,
        [
          rows.map((row) => row.id),
          rows.map((row) => row.inquiryId),
          rows.map((row) => row.recipient),
          AGENT_WEBHOOK_ADDRESS,
          adapterAddress('demo'),
        ],
      ),
    );
    return rows.map((row) => ({ id: row.id, transport: 'webhook', recipient: row.recipient }));
  }

  function staffBurst(): { id: string; inquiryId: string; recipient: 'agent' }[] {
    return Array.from({ length: STAFF_BURST }, () => ({
      id: randomUUID(),
      inquiryId: randomUUID(),
      recipient: 'agent' as const,
    }));
  }

  async function allSent(ids: string[]): Promise<void> {
    await waitFor(
      async () =>
        withPg(async (client) => {
          const { rows } = await client.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM ${schema}.deliveries WHERE id = ANY($1::uuid[]) AND status = 'sent'`,
            [ids],
          );
          return rows[0].n === ids.length;
        }),
      { timeoutMs: 30_000, what: `${ids.length} deliveries sent` },
    );
  }

  /** Where the customer's call came among the calls that arrived since `from`. */
  function positionOf(inquiryId: string, from: number): number {
    return receiver.calls.slice(from).findIndex((call) => call.body['inquiryId'] === inquiryId);
  }

  it('sends a customer acknowledgement enqueued behind a burst of staff alerts next', async () => {
    const from = receiver.calls.length;
    const staff = staffBurst();
    const customer = { id: randomUUID(), inquiryId: randomUUID(), recipient: 'customer' as const };
    const staffRefs = await insert(staff);
    const [customerRef] = await insert([customer]);
    const queues = app.get(DeliveryQueues);
    await queues.enqueue(staffRefs);
    await queues.enqueue([customerRef]);
    await allSent([...staff.map((row) => row.id), customer.id]);

    const position = positionOf(customer.inquiryId, from);
    // The one worker slot holds a staff alert (maybe two went out while the second enqueue was on its
    // way); the customer's comes right after, not after the other ~58 alerts.
    expect(position).toBeGreaterThanOrEqual(0);
    expect(position).toBeLessThanOrEqual(3);
    expect(receiver.calls.length - from).toBe(STAFF_BURST + 1);
    expect(receiver.calls.slice(from).every((call) => call.signatureValid)).toBe(true);
  });

  it('keeps the priority when the sweeper enqueues deliveries left without a job', async () => {
    const from = receiver.calls.length;
    const staff = staffBurst();
    // The highest id: the sweeper enqueues by id, so without priorities it would be sent last.
    const customer = {
      id: 'ffffffff-ffff-4fff-bfff-ffffffffffff',
      inquiryId: randomUUID(),
      recipient: 'customer' as const,
    };
    await insert([...staff, customer]);
    await app.get(DeliveryWorkers).sweep(0);
    await allSent([...staff.map((row) => row.id), customer.id]);

    expect(positionOf(customer.inquiryId, from)).toBeLessThanOrEqual(1);
    expect(positionOf(customer.inquiryId, from)).toBeGreaterThanOrEqual(0);
  });
});

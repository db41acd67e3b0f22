import type { INestApplication } from '@nestjs/common';
import { deadLetterTopicOf, Topic } from '@relaydesk/contracts';
import {
  cleanUpRun,
  isolatedEnv,
  spawnTs,
  testKafka,
  testRunId,
  TopicReader,
  waitFor,
  waitForExit,
  waitForLine,
  withPg,
} from '@relaydesk/testing';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { DeadLetterHeader } from './headers';
import { hookRuns, probeConfig, probeEvent, repairs, startProbeApp } from '../test/probe-app';

const runId = testRunId();
const env = isolatedEnv(runId, 'probe');
const schema = env['DB_SCHEMA'];
const topic = `${env['KAFKA_TOPIC_PREFIX']}${Topic.InquiryResolved}`;
const children: ChildProcess[] = [];

function spawnChild(file: string, args: string[], extra: Record<string, string> = {}): ChildProcess {
  const child = spawnTs(file, args, { ...env, ...extra });
  children.push(child);
  return child;
}

async function sideEffects(eventIds: string[]): Promise<{ event_id: string; handled_by: string }[]> {
  return withPg(async (client) => {
    const { rows } = await client.query<{ event_id: string; handled_by: string }>(
      `SELECT event_id, handled_by FROM "${schema}".side_effects WHERE event_id = ANY($1::uuid[]) ORDER BY at`,
      [eventIds],
    );
    return rows;
  });
}

describe('messaging against the real Kafka and Postgres', () => {
  let producer: Producer;

  beforeAll(async () => {
    producer = testKafka().producer();
    await producer.connect();
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await producer.disconnect();
    await cleanUpRun(runId);
  });

  const send = (...values: { key: string; value: string }[]) => producer.send({ topic, messages: values });

  describe('with one consumer process', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await startProbeApp(probeConfig(env));
    });
    afterAll(async () => {
      await app.close();
    });

    it('handles a message whose handler fails twice exactly once, and the partition keeps moving', async () => {
      const inquiryId = randomUUID();
      const flaky = probeEvent('fail-twice', inquiryId);
      const behind = probeEvent('ok', inquiryId);
      await send(
        { key: inquiryId, value: JSON.stringify(flaky) },
        { key: inquiryId, value: JSON.stringify(behind) },
      );
      const rows = await waitFor(async () => {
        const found = await sideEffects([flaky.id, behind.id]);
        return found.length === 2 && found;
      });
      expect(rows.map((row) => row.event_id)).toEqual([flaky.id, behind.id]);
    });

    it('moves a poison message to the dead-letter topic at once with its reason, and handles what follows', async () => {
      const reader = await TopicReader.start([deadLetterTopicOf(topic)]);
      try {
        const inquiryId = randomUUID();
        const next = probeEvent('ok', inquiryId);
        const invalid = { ...probeEvent('ok', inquiryId), payload: { inquiryId, resolvedAt: 'yesterday' } };
        await send(
          { key: inquiryId, value: '{ this is not json' },
          { key: inquiryId, value: JSON.stringify(invalid) },
          { key: inquiryId, value: JSON.stringify(next) },
        );
        await waitFor(async () => (await sideEffects([next.id])).length === 1);
        const dead = await waitFor(() => {
          const mine = reader.messages.filter((message) => message.key === inquiryId);
          return mine.length === 2 && mine;
        });
        expect(dead[0].value).toBe('{ this is not json');
        expect(dead[0].headers[DeadLetterHeader.Error]).toMatch(/unreadable message/);
        expect(dead[1].headers[DeadLetterHeader.Error]).toMatch(/payload\.resolvedBy/);
        expect(dead[1].headers[DeadLetterHeader.Attempts]).toBe('0');
        for (const message of dead) {
          expect(message.headers[DeadLetterHeader.OriginalTopic]).toBe(topic);
          expect(message.headers[DeadLetterHeader.OriginalPartition]).toMatch(/^\d+$/);
          expect(message.headers[DeadLetterHeader.OriginalOffset]).toMatch(/^\d+$/);
        }
        expect(await sideEffects([invalid.id])).toHaveLength(0);
      } finally {
        await reader.stop();
      }
    });

    it('dead-letters a handler that keeps failing after the bounded retries, and a non-retryable error at once', async () => {
      const reader = await TopicReader.start([deadLetterTopicOf(topic)]);
      try {
        const inquiryId = randomUUID();
        const failing = probeEvent('always-fail', inquiryId);
        const rejected = probeEvent('reject', inquiryId);
        const after = probeEvent('ok', inquiryId);
        await send(
          { key: inquiryId, value: JSON.stringify(failing) },
          { key: inquiryId, value: JSON.stringify(rejected) },
          { key: inquiryId, value: JSON.stringify(after) },
        );
        await waitFor(async () => (await sideEffects([after.id])).length === 1, { timeoutMs: 30_000 });
        const dead = await waitFor(() => {
          const mine = reader.messages.filter((message) => message.key === inquiryId);
          return mine.length === 2 && mine;
        });
        expect(dead[0].headers[DeadLetterHeader.Error]).toMatch(/always fails/);
        expect(dead[0].headers[DeadLetterHeader.Attempts]).toBe(
          String(probeConfig(env).CONSUMER_MAX_ATTEMPTS),
        );
        expect(dead[1].headers[DeadLetterHeader.Error]).toMatch(/refuses/);
        expect(dead[1].headers[DeadLetterHeader.Attempts]).toBe('1');
      } finally {
        await reader.stop();
      }
    });

    it('commits a batch once, runs after-commit hooks after the commit, and undoes only the event that failed', async () => {
      const inquiryId = randomUUID();
      const before = Array.from({ length: 8 }, () => probeEvent('ok', inquiryId));
      const failing = probeEvent('fail-inside', inquiryId);
      const after = Array.from({ length: 8 }, () => probeEvent('ok', inquiryId));
      const all = [...before, failing, ...after];
      await send(...all.map((event) => ({ key: inquiryId, value: JSON.stringify(event) })));
      const ids = all.map((event) => event.id);
      const rows = await waitFor(async () => {
        const found = await sideEffects(ids);
        return found.length === all.length && found;
      });
      // Exactly once each and in order: the failed attempt's side effect was rolled back with its batch.
      expect(rows.map((row) => row.event_id)).toEqual(ids);
      await waitFor(() => ids.every((id) => hookRuns.some((run) => run.eventId === id)));
      const runs = hookRuns.filter((run) => ids.includes(run.eventId));
      expect(runs.map((run) => run.eventId)).toEqual(ids);
      expect(runs.every((run) => run.committed)).toBe(true);
      // Rows of one transaction share its now(): the events before the failure were committed together.
      const committedAt = await withPg(async (client) => {
        const { rows: times } = await client.query<{ at: Date }>(
          `SELECT DISTINCT at FROM "${schema}".side_effects WHERE event_id = ANY($1::uuid[])`,
          [before.map((event) => event.id)],
        );
        return times;
      });
      expect(committedAt.length).toBeLessThan(before.length);
    });

    it('handles an event again on its own when its after-commit hook failed, and it finds itself processed', async () => {
      const inquiryId = randomUUID();
      const hookFails = probeEvent('hook-fails', inquiryId);
      const behind = probeEvent('ok', inquiryId);
      await send(
        { key: inquiryId, value: JSON.stringify(hookFails) },
        { key: inquiryId, value: JSON.stringify(behind) },
      );
      await waitFor(
        () => repairs.includes(hookFails.id) && hookRuns.some((run) => run.eventId === behind.id),
      );
      expect(await sideEffects([hookFails.id, behind.id])).toHaveLength(2);
      expect(repairs.filter((id) => id === hookFails.id)).toHaveLength(1);
      expect(hookRuns.filter((run) => run.eventId === behind.id)).toHaveLength(1);
    });

    it('does not repeat the side effects of a redelivered event', async () => {
      const event = probeEvent('ok');
      await send({ key: event.inquiryId, value: JSON.stringify(event) });
      await waitFor(async () => (await sideEffects([event.id])).length === 1);
      await send(
        { key: event.inquiryId, value: JSON.stringify(event) },
        { key: event.inquiryId, value: JSON.stringify(event) },
      );
      const marker = probeEvent('ok', event.inquiryId);
      await send({ key: event.inquiryId, value: JSON.stringify(marker) });
      await waitFor(async () => (await sideEffects([marker.id])).length === 1);
      expect(await sideEffects([event.id])).toHaveLength(1);
    });

    it('handles an event twice in one batch once, and the neighbours of a redelivered event once each', async () => {
      const inquiryId = randomUUID();
      const twice = probeEvent('ok', inquiryId);
      const [a, b, c, d] = Array.from({ length: 4 }, () => probeEvent('ok', inquiryId));
      const message = (event: { id: string }) => ({ key: inquiryId, value: JSON.stringify(event) });
      await send(message(a), message(twice), message(twice), message(b));
      await waitFor(async () => (await sideEffects([a.id, twice.id, b.id])).length >= 3);
      // Redelivered among new events: its record already exists, so that batch is undone and its events
      // are handled on their own, where it is found processed (the repair cue) and the others run once.
      await send(message(c), message(twice), message(d));
      await waitFor(async () => (await sideEffects([c.id, d.id])).length === 2);
      await waitFor(() => repairs.includes(twice.id));
      const rows = await sideEffects([a.id, twice.id, b.id, c.id, d.id]);
      expect(rows.map((row) => row.event_id)).toEqual([a.id, twice.id, b.id, c.id, d.id]);
    });

    it('skips an event its producer recorded already, handled as usuallyRecorded, without undoing its batch', async () => {
      const inquiryId = randomUUID();
      const recorded = probeEvent('recorded-at-source', inquiryId);
      const [a, b] = [probeEvent('ok', inquiryId), probeEvent('ok', inquiryId)];
      // What a producer that projects its own event does in the transaction that publishes it.
      await withPg((client) =>
        client.query(`INSERT INTO "${schema}".processed_events (consumer, event_id) VALUES ('probe', $1)`, [
          recorded.id,
        ]),
      );
      await send(...[a, recorded, b].map((event) => ({ key: inquiryId, value: JSON.stringify(event) })));
      await waitFor(async () => (await sideEffects([a.id, b.id])).length === 2);
      await waitFor(() => repairs.includes(recorded.id));
      expect(await sideEffects([recorded.id])).toHaveLength(0);
      // One transaction (they share its now()): the batch was not undone and redone around the event.
      const committedAt = await withPg(async (client) => {
        const { rows } = await client.query<{ at: Date }>(
          `SELECT DISTINCT at FROM "${schema}".side_effects WHERE event_id = ANY($1::uuid[])`,
          [[a.id, b.id]],
        );
        return rows;
      });
      expect(committedAt).toHaveLength(1);
    });

    it('publishes what another process wrote through the outbox, and this process handles it', async () => {
      const inquiryId = randomUUID();
      const writer = spawnChild('libs/messaging/test/fixtures/outbox-writer.ts', ['publish', '3', inquiryId]);
      expect(await waitForExit(writer)).toBe(0);
      const rows = await waitFor(async () =>
        withPg(async (client) => {
          const { rows: found } = await client.query(
            `SELECT e.event_id FROM "${schema}".side_effects e JOIN "${schema}".processed_events p USING (event_id)`,
          );
          return found.length >= 3 && found;
        }),
      );
      expect(rows.length).toBeGreaterThanOrEqual(3);
    });
  });

  it('loses nothing when the writer dies between its commit and the publish', async () => {
    const inquiryId = randomUUID();
    const reader = await TopicReader.start([topic]);
    try {
      const writer = spawnChild('libs/messaging/test/fixtures/outbox-writer.ts', ['crash', '5', inquiryId]);
      await waitForLine(writer, /committed/);
      await waitForExit(writer);
      expect(writer.signalCode).toBe('SIGKILL');
      const pending = await withPg(async (client) => {
        const { rows } = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM "${schema}".outbox WHERE key = $1`,
          [inquiryId],
        );
        return rows[0].n;
      });
      expect(pending).toBe(5);
      // Any later process of the service (here: this one) relays what the dead one committed.
      const app = await startProbeApp(probeConfig(env), { consume: false });
      try {
        const published = await waitFor(() => {
          const mine = reader.messages.filter((message) => message.key === inquiryId);
          return mine.length === 5 && mine;
        });
        expect(new Set(published.map((message) => JSON.parse(message.value!).id as string)).size).toBe(5);
      } finally {
        await app.close();
      }
    } finally {
      await reader.stop();
    }
  });

  it('hands what a killed consumer had not committed to the other member of its group', async () => {
    const groupEnv = { KAFKA_GROUP_ID: `${runId}-group`, KAFKA_SESSION_TIMEOUT_MS: '6000' };
    const first = spawnChild('libs/messaging/test/fixtures/probe-consumer.ts', [], {
      ...groupEnv,
      PROBE_NAME: 'first',
    });
    await waitForLine(first, /ready/);
    const second = spawnChild('libs/messaging/test/fixtures/probe-consumer.ts', [], {
      ...groupEnv,
      PROBE_NAME: 'second',
    });
    await waitForLine(second, /ready/);
    const events = Array.from({ length: 90 }, () => probeEvent('slow'));
    const handled = () => sideEffects(events.map((event) => event.id));
    await send(...events.map((event) => ({ key: event.inquiryId, value: JSON.stringify(event) })));
    await waitFor(async () => (await handled()).filter((row) => row.handled_by === 'first').length >= 3);
    first.kill('SIGKILL');
    await waitForExit(first);
    const rows = await waitFor(
      async () => {
        const found = await handled();
        return found.length === events.length && found;
      },
      { timeoutMs: 60_000 },
    );
    expect(new Set(rows.map((row) => row.event_id)).size).toBe(events.length);
    // Each event took effect once; the survivor took over the partitions of the killed member.
    expect(rows.filter((row) => row.handled_by === 'first').length).toBeGreaterThan(0);
    expect(rows.filter((row) => row.handled_by === 'second').length).toBeGreaterThan(0);
    second.kill('SIGTERM');
    // Nest re-raises the signal after a clean shutdown.
    await waitForExit(second, 15_000);
    expect(second.signalCode).toBe('SIGTERM');
  });
});

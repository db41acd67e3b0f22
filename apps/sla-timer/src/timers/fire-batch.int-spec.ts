import { Topic } from '@relaydesk/contracts';
import { cleanUpRun, isolatedEnv, type RunningService, testRunId, waitFor, withPg } from '@relaydesk/testing';
import { randomUUID } from 'node:crypto';
import { BUSY, SlaService } from '../clocks/sla.service';
import {
  classified,
  classifyDirectly,
  Published,
  putPolicy,
  shortPolicy,
  slaConfig,
  startSla,
} from '../../test/sla-harness';
import type { DueTimer } from '../clocks/sla.model';
import { DeadlineTimers } from './deadline.timers';

const runId = testRunId();
const env = isolatedEnv(runId, 'sla-timer');
const prefix = env['KAFKA_TOPIC_PREFIX'];
const schema = env['DB_SCHEMA'];

/**
 * Fired timers are applied in batches, one transaction each (SlaService.fireMany). The deadlines here
 * are an hour away, so BullMQ fires nothing by itself: the test hands the batches over directly.
 */
describe('firing timers in batches', () => {
  let service: RunningService;
  let sla: SlaService;
  let published: Published;

  beforeAll(async () => {
    service = await startSla(slaConfig(env));
    sla = service.app.get(SlaService);
    published = await Published.start(prefix);
    expect(
      (await putPolicy(service.url, shortPolicy({ urgent: 3600, high: 3600, normal: 3600, low: 3600 }, 0)))
        .status,
    ).toBe(200);
  });

  afterAll(async () => {
    await published?.stop();
    await service?.close();
    await cleanUpRun(runId);
  });

  const job = (inquiryId: string, action: 'warn' | 'breach', version = 1): DueTimer => ({
    inquiryId,
    kind: 'first_response',
    action,
    version,
  });

  it('fires a batch in one go: each clock once, a warning before its breach, stale and unknown jobs change nothing', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await classifyDirectly(sla, [classified(a, 'normal', new Date()), classified(b, 'normal', new Date())]);
    const results = await sla.fireMany([
      job(a, 'breach'), // listed before its warning: still applied after it (order of the instants)
      job(a, 'warn'),
      job(a, 'breach'), // the same job twice in a batch
      job(b, 'warn', 7), // a version the clock never had
      job(b, 'warn'),
      job(randomUUID(), 'breach'),
    ]);
    expect(results.map((r) => (r === BUSY ? r : r.changed ? 'fired' : r.reason))).toEqual([
      'fired',
      'fired',
      'clock is breached',
      'stale timer version',
      'fired',
      'unknown inquiry',
    ]);
    const rows = await withPg(
      async (client) =>
        (
          await client.query<{ inquiry_id: string; state: string; warned: boolean }>(
            `SELECT inquiry_id, state, warned_at IS NOT NULL AS warned FROM "${schema}".sla_clocks
            WHERE kind = 'first_response' AND inquiry_id = ANY($1::uuid[]) ORDER BY inquiry_id`,
            [[a, b]],
          )
        ).rows,
    );
    expect(Object.fromEntries(rows.map((row) => [row.inquiry_id, [row.state, row.warned]]))).toEqual({
      [a]: ['breached', true],
      [b]: ['running', true],
    });
    // The warning of `a` fired although its breach was listed first (a breach first makes the warning moot).
    await waitFor(
      () =>
        (published.of(a, Topic.SlaWarning).length === 1 &&
          published.of(a, Topic.SlaBreached).length === 1 &&
          published.of(b, Topic.SlaWarning).length === 1) ||
        undefined,
      { what: 'the warning and breach of a, the warning of b' },
    );
    // Each fired timer is its own root of work.
    const correlations = new Set(
      [...published.of(a, Topic.SlaWarning), ...published.of(a, Topic.SlaBreached)].map(
        (e) => e.envelope.correlationId,
      ),
    );
    expect(correlations.size).toBe(2);
    // Fired again (BullMQ retried a job whose batch committed): nothing more is published.
    const again = await sla.fireMany([job(a, 'warn'), job(a, 'breach'), job(b, 'warn')]);
    expect(again.every((r) => r !== BUSY && !r.changed)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(published.of(a, Topic.SlaBreached)).toHaveLength(1);
    expect(published.of(b, Topic.SlaWarning)).toHaveLength(1);
  });

  it('does not wait for an inquiry another transaction holds: its timer comes back busy, the rest fire', async () => {
    const [held, free] = [randomUUID(), randomUUID()];
    await classifyDirectly(sla, [
      classified(held, 'normal', new Date()),
      classified(free, 'normal', new Date()),
    ]);
    await withPg(async (client) => {
      await client.query('BEGIN');
      await client.query(`SELECT 1 FROM "${schema}".inquiry_slas WHERE inquiry_id = $1 FOR UPDATE`, [held]);
      try {
        const results = await sla.fireMany([job(held, 'breach'), job(free, 'breach')]);
        expect(results[0]).toBe(BUSY);
        expect(results[1]).toMatchObject({ changed: true });
        await client.query('COMMIT');
        // Still due: the next round fires it.
        await expect(sla.fireMany([job(held, 'breach')])).resolves.toMatchObject([{ changed: true }]);
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
      }
    });
    await waitFor(() => published.of(held, Topic.SlaBreached).length === 1 || undefined, {
      what: 'breach of the held inquiry',
    });
  });

  it('fires at once what is armed after its instants passed, and by tick what falls due later, each once', async () => {
    const hourAgo = new Date(Date.now() - 3_700_000); // first response and its warning already passed
    const soon = new Date(Date.now() - 3_600_000 + 2_000); // first response due in about 2 s
    const timers = service.app.get(DeadlineTimers);
    const pendingBefore = await timers.pending();
    const late = Array.from({ length: 30 }, () => randomUUID());
    const onTime = Array.from({ length: 30 }, () => randomUUID());
    await classifyDirectly(sla, [
      ...late.map((id) => classified(id, 'normal', hourAgo)),
      ...onTime.map((id) => classified(id, 'normal', soon)),
    ]);
    // What is still to come waits in BullMQ as ticks: the instants these clocks share make three jobs
    // (in 2 s; the two resolution breaches in about an hour), not one per timer.
    const added = (await timers.pending()) - pendingBefore;
    expect(added).toBeGreaterThan(0);
    expect(added).toBeLessThanOrEqual(3);
    await waitFor(
      () => [...late, ...onTime].every((id) => published.of(id, Topic.SlaBreached).length > 0) || undefined,
      { timeoutMs: 30_000, what: 'every first-response breach' },
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // a duplicate would come about now
    const perClock = (id: string, topic: Topic) =>
      published.of(id, topic).map((event) => (event.envelope.payload as { clock: string }).clock);
    for (const id of [...late, ...onTime]) {
      // Both warnings (first response and resolution) had passed or fell due in 2 s; one breach.
      expect(perClock(id, Topic.SlaWarning).sort()).toEqual(['first_response', 'resolution']);
      expect(perClock(id, Topic.SlaBreached)).toEqual(['first_response']);
    }
    // Those due later fired after their instant, not before.
    for (const id of onTime) {
      const breach = published.of(id, Topic.SlaBreached)[0].envelope.payload as {
        dueAt: string;
        breachedAt: string;
      };
      expect(Date.parse(breach.breachedAt)).toBeGreaterThanOrEqual(Date.parse(breach.dueAt));
    }
  });
});

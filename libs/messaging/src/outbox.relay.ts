import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { quoteIdent } from '@relaydesk/persistence';
import { APP_CONFIG, counter } from '@relaydesk/runtime';
import { Client } from 'pg';
import {
  DataSource,
  type EntitySubscriberInterface,
  type QueryRunner,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
} from 'typeorm';
import { EventProducer, type OutgoingRecord } from './event.producer';
import type { KafkaHeaders } from './headers';
import type { MessagingConfig } from './messaging.config';

const BATCH_SIZE = 500;
/**
 * Between wake-ups the outbox is read this often: what another replica's transactions wrote (one relay
 * per schema publishes), and what a writer did not announce. A few cheap indexed reads a second.
 */
const POLL_MS = 50;
const STANDBY_RETRY_MS = 2_000;
const RETRY_DELAY_MS = 1_000;

interface StoredOutboxRow {
  seq: string;
  topic: string;
  key: string;
  value: string;
  headers: KafkaHeaders;
}

/**
 * Publishes committed outbox rows to Kafka, then deletes them. A process that dies between its commit
 * and the publish loses nothing: the rows wait for the next relay.
 *
 * One relay per schema publishes at a time (a Postgres advisory lock), so the events of an inquiry reach
 * Kafka in the order their transactions committed them, also with several replicas.
 *
 * It is woken in process, right after a transaction of this process that wrote outbox rows commits
 * (`wakeAfterCommit`, or `wakeUp` for a writer outside TypeORM's transactions), and otherwise reads the
 * outbox every 50 ms. Not LISTEN/NOTIFY: a NOTIFY in every writing transaction serialises all commits
 * of the database on the notification queue's lock, which measured at less than half the commit rate
 * without it. Nor a fast poll: it read the empty outbox again 5, 10, 20 and 40 ms after every publish.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown, EntitySubscriberInterface {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly table: string;
  private readonly published = counter(
    'relaydesk_outbox_published_total',
    'Events published by the outbox relay',
    ['topic'],
  );
  private client?: Client;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  /** A wake-up came while the relay was not asleep: its next sleep ends at once. */
  private woken = false;
  /** Open transactions of this process that wrote outbox rows. */
  private readonly writers = new WeakSet<QueryRunner>();

  constructor(
    private readonly producer: EventProducer,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: MessagingConfig,
  ) {
    this.table = `${quoteIdent(config.DB_SCHEMA)}.outbox`;
  }

  onApplicationBootstrap(): void {
    this.dataSource.subscribers.push(this);
    this.start();
  }

  /**
   * Publish soon: rows were committed (by a writer outside TypeORM's transactions). A standby replica
   * ignores it: it is not the one to publish, and waking it would only retry the leader's lock.
   */
  wakeUp(): void {
    if (this.running && !this.leader) return;
    this.woken = true;
    this.wake?.();
  }

  /** Publish once the transaction of `queryRunner`, which wrote outbox rows, commits. */
  wakeAfterCommit(queryRunner: QueryRunner): void {
    this.writers.add(queryRunner);
  }

  /** TypeORM's hook, for every transaction of the data source. */
  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (this.writers.delete(event.queryRunner)) this.wakeUp();
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    this.writers.delete(event.queryRunner);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp();
    await this.loop;
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const client = await this.connect();
        if (!(await this.holdsLeadership(client))) {
          await this.sleep(STANDBY_RETRY_MS);
          continue;
        }
        // A full batch: more are waiting. Otherwise until the next commit's wake-up or poll.
        if ((await this.publishBatch(client)) < BATCH_SIZE) await this.sleep(POLL_MS);
      } catch (error) {
        this.logger.warn(`outbox relay: ${error instanceof Error ? error.message : String(error)}; retrying`);
        await this.disconnect();
        await this.sleep(RETRY_DELAY_MS);
      }
    }
    await this.disconnect();
  }

  private async connect(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({
      connectionString: this.config.DATABASE_URL,
      application_name: `relaydesk-${this.config.SERVICE_NAME}-relay`,
    });
    client.on('error', (error) => this.logger.warn(`outbox relay connection: ${error.message}`));
    await client.connect();
    this.client = client;
    return client;
  }

  private leader = false;

  private async holdsLeadership(client: Client): Promise<boolean> {
    if (this.leader) return true;
    const result = await client.query<{ locked: boolean }>(
      `SELECT pg_try_advisory_lock(hashtext($1)) AS locked`,
      [`relaydesk-outbox:${this.config.DB_SCHEMA}`],
    );
    this.leader = result.rows[0]?.locked === true;
    return this.leader;
  }

  /** Publishes the oldest rows; returns how many. */
  async publishBatch(client: Client): Promise<number> {
    const { rows } = await client.query<StoredOutboxRow>(
      `SELECT seq, topic, key, value, headers FROM ${this.table} ORDER BY seq LIMIT ${BATCH_SIZE}`,
    );
    if (rows.length === 0) return 0;
    const records: OutgoingRecord[] = rows.map((row) => ({
      topic: row.topic,
      key: row.key,
      value: row.value,
      headers: row.headers,
    }));
    await this.producer.send(records);
    // By id, not by range: a transaction that took a lower seq may commit only now, unpublished.
    await client.query(`DELETE FROM ${this.table} WHERE seq = ANY($1::bigint[])`, [
      rows.map((row) => row.seq),
    ]);
    for (const row of rows) this.published.inc({ topic: row.topic });
    return rows.length;
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.leader = false;
    // Closing the session releases the advisory lock for another replica.
    await client?.end().catch(() => undefined);
  }
}

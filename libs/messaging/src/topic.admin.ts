import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { deadLetterTopicOf } from '@relaydesk/contracts';
import { APP_CONFIG } from '@relaydesk/runtime';
import type { Admin, Kafka } from 'kafkajs';
import { KAFKA } from './tokens';
import { type MessagingConfig, physicalTopic } from './messaging.config';

/** Creates the topics a service uses (and their dead-letter topics) with the configured partitions. */
@Injectable()
export class TopicAdmin implements OnApplicationShutdown {
  private readonly logger = new Logger(TopicAdmin.name);
  private admin?: Promise<Admin>;
  private readonly known = new Set<string>();

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(APP_CONFIG) private readonly config: MessagingConfig,
  ) {}

  /** A connected admin client, shared (readiness checks use it too). */
  client(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })().catch((error: unknown) => {
      this.admin = undefined;
      throw error;
    });
    return this.admin;
  }

  /**
   * Several services start at once and create overlapping topics while the broker elects leaders: a
   * failed round is retried (with backoff, up to about a minute) rather than failing the start.
   */
  async ensureTopics(logicalTopics: readonly string[], options: { withDeadLetters: boolean }): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.createMissing(logicalTopics, options);
      } catch (error) {
        if (attempt >= 10) throw error;
        // A broken connection stays broken: start the next round with a new admin client.
        const admin = await this.admin?.catch(() => undefined);
        this.admin = undefined;
        await admin?.disconnect().catch(() => undefined);
        const delay = Math.min(250 * 2 ** attempt, 8_000);
        this.logger.warn(
          `creating topics failed (${error instanceof Error ? error.message : String(error)}); retrying in ${delay} ms`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async createMissing(
    logicalTopics: readonly string[],
    options: { withDeadLetters: boolean },
  ): Promise<void> {
    const wanted = logicalTopics.flatMap((topic) =>
      options.withDeadLetters ? [topic, deadLetterTopicOf(topic)] : [topic],
    );
    const missing = wanted
      .map((topic) => physicalTopic(this.config, topic))
      .filter((topic) => !this.known.has(topic));
    if (missing.length === 0) return;
    const admin = await this.client();
    const existing = new Set(await admin.listTopics());
    const toCreate = missing.filter((topic) => !existing.has(topic));
    if (toCreate.length > 0) {
      // createTopics answers false (no error) when another replica created them first.
      await admin.createTopics({
        waitForLeaders: true,
        topics: toCreate.map((topic) => ({
          topic,
          numPartitions: this.config.KAFKA_PARTITIONS,
          replicationFactor: this.config.KAFKA_REPLICATION_FACTOR,
        })),
      });
      this.logger.log(`created topics ${toCreate.join(', ')}`);
    }
    missing.forEach((topic) => this.known.add(topic));
  }

  async onApplicationShutdown(): Promise<void> {
    const admin = await this.admin?.catch(() => undefined);
    await admin?.disconnect();
  }
}

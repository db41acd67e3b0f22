import type { BaseEnv } from '@relaydesk/runtime';

/** The part of a service's configuration the messaging lib reads. */
export type MessagingConfig = BaseEnv & {
  SERVICE_NAME: string;
  DB_SCHEMA: string;
  KAFKA_CLIENT_ID: string;
  KAFKA_GROUP_ID: string;
};

/** Physical topic of a logical one: the prefix isolates test runs and environments sharing a broker. */
export function physicalTopic(config: Pick<BaseEnv, 'KAFKA_TOPIC_PREFIX'>, topic: string): string {
  return `${config.KAFKA_TOPIC_PREFIX}${topic}`;
}

export function logicalTopic(config: Pick<BaseEnv, 'KAFKA_TOPIC_PREFIX'>, topic: string): string {
  return topic.startsWith(config.KAFKA_TOPIC_PREFIX) ? topic.slice(config.KAFKA_TOPIC_PREFIX.length) : topic;
}

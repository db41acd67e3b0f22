import { Logger } from '@nestjs/common';
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { fixKafkajsIdleLoop } from './kafkajs-idle-fix';
import type { MessagingConfig } from './messaging.config';

fixKafkajsIdleLoop();

/** Errors kafkajs logs at ERROR although it retries them itself (leader elections, new topics). */
const RETRIED =
  /not the leader|does not host this topic-partition|leader not available|coordinator (is loading|not available)|rebalanc/i;

function kafkaLogCreator() {
  return ({ namespace, level, log }: LogEntry) => {
    const logger = new Logger(`kafkajs:${namespace}`);
    const { message, ...extra } = log;
    const line = `${message} ${JSON.stringify(extra)}`;
    if (level === logLevel.ERROR && RETRIED.test(`${message} ${String(extra['error'] ?? '')}`))
      logger.debug(line);
    else if (level === logLevel.ERROR) logger.error(line);
    else if (level === logLevel.WARN) logger.warn(line);
    else logger.debug(line);
  };
}

export function createKafka(config: Pick<MessagingConfig, 'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID'>): Kafka {
  return new Kafka({
    clientId: config.KAFKA_CLIENT_ID,
    brokers: config.KAFKA_BROKERS,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator,
    retry: { initialRetryTime: 100, retries: 8 },
  });
}

import type { z } from 'zod';
import {
  inquiryAssignedSchema,
  inquiryClassifiedSchema,
  inquiryEscalatedSchema,
  inquiryMessageAddedSchema,
  inquiryReceivedSchema,
  inquiryRequeuedSchema,
  inquiryResolvedSchema,
  inquiryRespondedSchema,
  notificationFailedSchema,
  notificationSentSchema,
  slaBreachedSchema,
  slaDeadlinesSetSchema,
  slaWarningSchema,
} from './schemas';

/** The topic catalog: nouns with past-tense verbs and a version. */
export const Topic = {
  InquiryReceived: 'inquiry.received.v1',
  InquiryMessageAdded: 'inquiry.message-added.v1',
  InquiryClassified: 'inquiry.classified.v1',
  InquiryAssigned: 'inquiry.assigned.v1',
  InquiryRequeued: 'inquiry.requeued.v1',
  InquiryResponded: 'inquiry.responded.v1',
  InquiryResolved: 'inquiry.resolved.v1',
  InquiryEscalated: 'inquiry.escalated.v1',
  SlaDeadlinesSet: 'sla.deadlines-set.v1',
  SlaWarning: 'sla.warning.v1',
  SlaBreached: 'sla.breached.v1',
  NotificationSent: 'notification.sent.v1',
  NotificationFailed: 'notification.failed.v1',
} as const;
export type Topic = (typeof Topic)[keyof typeof Topic];

/** The one event map: every topic's payload schema. Publish and consume are typed through it. */
export const TopicSchemas = {
  [Topic.InquiryReceived]: inquiryReceivedSchema,
  [Topic.InquiryMessageAdded]: inquiryMessageAddedSchema,
  [Topic.InquiryClassified]: inquiryClassifiedSchema,
  [Topic.InquiryAssigned]: inquiryAssignedSchema,
  [Topic.InquiryRequeued]: inquiryRequeuedSchema,
  [Topic.InquiryResponded]: inquiryRespondedSchema,
  [Topic.InquiryResolved]: inquiryResolvedSchema,
  [Topic.InquiryEscalated]: inquiryEscalatedSchema,
  [Topic.SlaDeadlinesSet]: slaDeadlinesSetSchema,
  [Topic.SlaWarning]: slaWarningSchema,
  [Topic.SlaBreached]: slaBreachedSchema,
  [Topic.NotificationSent]: notificationSentSchema,
  [Topic.NotificationFailed]: notificationFailedSchema,
} as const satisfies Record<Topic, z.ZodType>;

export type PayloadOf<T extends Topic> = z.output<(typeof TopicSchemas)[T]>;
/** What a producer may pass (defaults not yet applied). */
export type PayloadInputOf<T extends Topic> = z.input<(typeof TopicSchemas)[T]>;

export const ALL_TOPICS: readonly Topic[] = Object.values(Topic);

/** The dead-letter topic of a topic. */
export function deadLetterTopicOf(topic: string): string {
  return `${topic}.dlq`;
}

/** `inquiry.received.v1` -> { type: 'inquiry.received', version: 1 } */
export function parseTopic(topic: Topic): { type: string; version: number } {
  const match = /^(.*)\.v(\d+)$/.exec(topic);
  if (!match) throw new Error(`topic ${topic} has no version suffix`);
  return { type: match[1], version: Number(match[2]) };
}

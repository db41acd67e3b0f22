import { z } from 'zod';
import {
  Category,
  Channel,
  CustomerTier,
  EscalationReason,
  NotificationKind,
  Priority,
  Recipient,
  RequeueReason,
  SlaClockKind,
  SlaClockState,
  valuesOf,
} from './enums';

const timestamp = z.iso.datetime({ offset: true });
const id = z.string().min(1).max(200);

export const channelSchema = z.enum(valuesOf(Channel));
export const categorySchema = z.enum(valuesOf(Category));
export const prioritySchema = z.enum(valuesOf(Priority));
export const customerTierSchema = z.enum(valuesOf(CustomerTier));
export const languageSchema = z.string().regex(/^[a-z]{2}$/, 'an ISO 639-1 language code');
const confidence = z.number().min(0).max(1);

export const customerSchema = z.object({
  id: z.string().max(200).optional(),
  email: z.email().max(320).optional(),
  handle: z.string().max(200).optional(),
  name: z.string().max(200).optional(),
  tier: customerTierSchema.default('standard'),
  locale: z.string().max(35).optional(),
});

export const inquiryReceivedSchema = z.object({
  inquiryId: z.uuid(),
  messageId: z.uuid(),
  adapterId: id,
  externalId: id,
  channel: channelSchema,
  threadId: id.optional(),
  customer: customerSchema,
  subject: z.string().max(1000).optional(),
  body: z.string().min(1).max(20000),
  receivedAt: timestamp,
  acceptedAt: timestamp,
  /** Set when a message in the thread of a closed inquiry opened this one. */
  previousInquiryId: z.uuid().optional(),
  /**
   * The customer's tracking token sealed with TRACKING_TOKEN_KEY (runtime `seal`), so the acknowledgement
   * can carry the tracking link while the topic never holds the token in clear.
   */
  trackingTokenSealed: z.string().optional(),
});

export const inquiryMessageAddedSchema = z.object({
  inquiryId: z.uuid(),
  messageId: z.uuid(),
  adapterId: id,
  externalId: id,
  channel: channelSchema,
  subject: z.string().max(1000).optional(),
  body: z.string().min(1).max(20000),
  receivedAt: timestamp,
  acceptedAt: timestamp,
});

export const entitiesSchema = z.object({
  txHashes: z.array(z.string()),
  addresses: z.array(z.object({ value: z.string(), kind: z.string() })),
  assets: z.array(z.string()),
  networks: z.array(z.string()),
  amounts: z.array(z.object({ value: z.number(), unit: z.string(), text: z.string() })),
  orderIds: z.array(z.string()),
  withdrawalIds: z.array(z.string()),
});

export const suggestedArticleSchema = z.object({
  id: z.string(),
  title: z.string(),
  url: z.string(),
  language: languageSchema,
  score: z.number(),
});

export const inquiryClassifiedSchema = z.object({
  inquiryId: z.uuid(),
  classifierVersion: z.string().min(1),
  category: categorySchema,
  priority: prioritySchema,
  language: languageSchema,
  confidence: z.object({ category: confidence, priority: confidence, language: confidence }),
  needsReview: z.boolean(),
  entities: entitiesSchema,
  suggestedArticles: z.array(suggestedArticleSchema).max(3),
  channel: channelSchema,
  customerTier: customerTierSchema,
  /** When intake accepted the inquiry: the start of first-come-first-served order. */
  acceptedAt: timestamp,
  /** True when a follow-up message triggered this classification. */
  reclassification: z.boolean(),
  previousPriority: prioritySchema.optional(),
  classifiedAt: timestamp,
});

export const inquiryAssignedSchema = z.object({
  inquiryId: z.uuid(),
  agentId: id,
  category: categorySchema,
  priority: prioritySchema,
  language: languageSchema,
  pool: z.string(),
  translationNeeded: z.boolean(),
  assignedAt: timestamp,
});

export const inquiryRequeuedSchema = z.object({
  inquiryId: z.uuid(),
  fromAgentId: id.optional(),
  reason: z.enum(valuesOf(RequeueReason)),
  priority: prioritySchema,
  requeuedAt: timestamp,
});

export const inquiryRespondedSchema = z.object({
  inquiryId: z.uuid(),
  replyId: z.uuid(),
  agentId: id,
  body: z.string().min(1).max(20000),
  firstResponse: z.boolean(),
  respondedAt: timestamp,
});

export const inquiryResolvedSchema = z.object({
  inquiryId: z.uuid(),
  resolvedBy: id,
  resolvedAt: timestamp,
});

export const inquiryEscalatedSchema = z.object({
  inquiryId: z.uuid(),
  level: z.number().int().min(1),
  reason: z.enum(valuesOf(EscalationReason)),
  clock: z.enum(valuesOf(SlaClockKind)).optional(),
  priority: prioritySchema,
  previousPriority: prioritySchema,
  requiresSenior: z.boolean(),
  escalatedAt: timestamp,
});

export const slaClockSchema = z.object({
  kind: z.enum(valuesOf(SlaClockKind)),
  dueAt: timestamp.optional(),
  warnAt: timestamp.optional(),
  state: z.enum(valuesOf(SlaClockState)),
});

export const slaDeadlinesSetSchema = z.object({
  inquiryId: z.uuid(),
  priority: prioritySchema,
  policy: z.string(),
  firstResponseDueAt: timestamp.optional(),
  resolutionDueAt: timestamp.optional(),
  clocks: z.array(slaClockSchema),
  setAt: timestamp,
});

export const slaWarningSchema = z.object({
  inquiryId: z.uuid(),
  clock: z.enum(valuesOf(SlaClockKind)),
  priority: prioritySchema,
  dueAt: timestamp,
  warnAt: timestamp,
  firedAt: timestamp,
});

export const slaBreachedSchema = z.object({
  inquiryId: z.uuid(),
  clock: z.enum(valuesOf(SlaClockKind)),
  priority: prioritySchema,
  dueAt: timestamp,
  breachedAt: timestamp,
  escalationLevel: z.number().int().min(0),
});

const deliveryBase = {
  deliveryId: z.uuid(),
  inquiryId: z.uuid(),
  kind: z.enum(valuesOf(NotificationKind)),
  recipient: z.enum(valuesOf(Recipient)),
  channel: z.string(),
  language: languageSchema,
  attempts: z.number().int().min(1),
};

export const notificationSentSchema = z.object({ ...deliveryBase, sentAt: timestamp });
export const notificationFailedSchema = z.object({ ...deliveryBase, error: z.string(), failedAt: timestamp });

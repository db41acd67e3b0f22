import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Channel, CustomerTier, customerSchema, InquiryStatus, valuesOf } from '@relaydesk/contracts';
import { z } from 'zod';

/**
 * Text that Postgres can store byte for byte and that is valid Unicode: a NUL character or a lone
 * surrogate half could not be stored "exactly as received", so they are refused with a field error
 * instead of being silently changed.
 */
/** In unicode mode a surrogate pair is one code point, so this only matches an unpaired half. */
const LONE_SURROGATE = /\p{Surrogate}/u;

const exactText = (schema: z.ZodString) =>
  schema
    .refine((text) => !text.includes('\u0000'), 'must not contain NUL characters')
    .refine((text) => !LONE_SURROGATE.test(text), 'must be valid Unicode (no lone surrogate halves)');

const externalId = z.string().min(1).max(200);

// Lengths are counted in UTF-16 code units, like the event schemas the text travels in afterwards.
export const newInquirySchema = z.object({
  channel: z.enum(valuesOf(Channel)),
  externalId: exactText(externalId),
  threadId: exactText(z.string().min(1).max(200)).optional(),
  customer: customerSchema.extend({
    id: exactText(z.string().min(1).max(200)).optional(),
    handle: exactText(z.string().min(1).max(200)).optional(),
    name: exactText(z.string().max(200)).optional(),
  }),
  subject: exactText(z.string().max(1000)).optional(),
  body: exactText(z.string().min(1).max(20000)),
  receivedAt: z.iso.datetime({ offset: true }).optional(),
});
export type NewInquiry = z.output<typeof newInquirySchema>;

class CustomerDto {
  @ApiPropertyOptional({
    description: "The adapter's id of the customer (preferred thread identity)",
    example: 'u-1842',
  })
  id?: string;
  @ApiPropertyOptional({ format: 'email', example: 'kana@example.com' })
  email?: string;
  @ApiPropertyOptional({ description: 'Social or chat handle', example: '@kana_trades' })
  handle?: string;
  @ApiPropertyOptional({ example: 'Kana' })
  name?: string;
  @ApiPropertyOptional({ enum: valuesOf(CustomerTier), default: 'standard' })
  tier?: CustomerTier;
  @ApiPropertyOptional({ description: 'BCP 47 locale', example: 'ja-JP' })
  locale?: string;
}

export class NewInquiryDto {
  @ApiProperty({ enum: valuesOf(Channel) })
  channel!: Channel;
  @ApiProperty({
    description: "The adapter's unique id of this message: the dedupe key, with the adapter id",
    maxLength: 200,
  })
  externalId!: string;
  @ApiPropertyOptional({
    description:
      'Conversation id: a message in the thread of an open inquiry of the same customer and channel is added to it',
    maxLength: 200,
  })
  threadId?: string;
  @ApiProperty({
    type: CustomerDto,
    description: 'Who wrote. Threads match on the adapter and customer.id, else email, else handle.',
  })
  customer!: CustomerDto;
  @ApiPropertyOptional({ maxLength: 1000 })
  subject?: string;
  @ApiProperty({
    minLength: 1,
    maxLength: 20000,
    description: 'Stored exactly as received; never interpreted',
  })
  body!: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'When the channel received it (default: now)' })
  receivedAt?: string;
}

export class InquiryAcceptedDto {
  @ApiProperty({ format: 'uuid' })
  inquiryId!: string;
  @ApiProperty({ format: 'uuid', description: 'The stored message (a first message or a thread follow-up)' })
  messageId!: string;
  @ApiProperty({
    description:
      "The customer's tracking token (256 random bits) for GET /v1/inquiries/{id}/status; repeated on duplicates and follow-ups",
  })
  trackingToken!: string;
  @ApiProperty({ enum: valuesOf(InquiryStatus), description: "The inquiry's status now" })
  status!: InquiryStatus;
  @ApiProperty({ description: 'True when this adapter already sent this externalId' })
  duplicate!: boolean;
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Set when a message in the thread of a resolved inquiry opened this one',
  })
  previousInquiryId?: string;
}

const signedAt = 1772366400;
/** One example per channel, for /docs. */
export const CHANNEL_EXAMPLES: Record<string, { summary: string; value: Record<string, unknown> }> = {
  form: {
    summary: 'Web form',
    value: {
      channel: 'form',
      externalId: 'form-7f3a9c',
      customer: { id: 'u-1842', email: 'kana@example.com', name: 'Kana', tier: 'vip', locale: 'ja-JP' },
      subject: '出金が届きません',
      body: '昨日のBTC出金がまだ着金していません。TxID: 3f5a...',
      receivedAt: new Date(signedAt * 1000).toISOString(),
    },
  },
  email: {
    summary: 'Inbound email (threadId = the Message-ID of the first mail)',
    value: {
      channel: 'email',
      externalId: '<CAF=1234@mail.example.com>',
      threadId: '<CAF=1200@mail.example.com>',
      customer: { email: 'lee@example.com', locale: 'ko-KR' },
      subject: 'Re: 2FA reset',
      body: '아직 OTP를 재설정하지 못했습니다.',
    },
  },
  social: {
    summary: 'Social mention or DM',
    value: {
      channel: 'social',
      externalId: 'x-dm-1899234',
      threadId: 'x-conv-5521',
      customer: { handle: '@maria_trades', locale: 'es' },
      body: '¿Por qué mi orden límite no se ejecutó? 🙏',
    },
  },
  chat: {
    summary: 'Chat widget message',
    value: {
      channel: 'chat',
      externalId: 'chat-msg-00417',
      threadId: 'chat-session-9c1e',
      customer: { id: 'u-2210', name: 'Ahmed', locale: 'ar' },
      body: 'مرحبا، حسابي مقفل <b>urgent</b>',
    },
  },
};

import { Inject, Injectable, Logger } from '@nestjs/common';
import { type EventEnvelope, type NotificationKind, type Recipient, Topic } from '@relaydesk/contracts';
import {
  type AfterCommitBatch,
  afterCommitTogether,
  HANDLED,
  type HandlerOutcome,
  InboxService,
  OutboxService,
} from '@relaydesk/messaging';
import { APP_CONFIG, unseal } from '@relaydesk/runtime';
import { DataSource, type EntityManager } from 'typeorm';
import type { NotificationConfig } from '../config';
import { DeliveriesRepository, type NewDelivery } from '../deliveries/deliveries.repository';
import {
  adapterAddress,
  AGENT_WEBHOOK_ADDRESS,
  deliveryId,
  type DeliveryRef,
  referenceOf,
  type StoredMessage,
  type Transport,
} from '../deliveries/delivery.model';
import { DeliveryQueues } from '../deliveries/delivery.queues';
import { type RecipientRow, RecipientsRepository } from '../recipients/recipients.repository';
import { chooseLanguage, TemplateRenderer } from '../templates/template.renderer';
import { WebhookTransport } from '../transports/webhook.transport';

type Ready = NonNullable<NewDelivery['ready']>;

/**
 * What a transaction decided, done once it has committed: deliveries to enqueue, grace timers to arm, and
 * the timers of inquiries it acknowledged to remove (they would fire for nothing).
 */
interface Effects {
  deliveries: DeliveryRef[];
  graceFor: string[];
  acknowledged: string[];
}

/**
 * Turns inquiry and SLA events into deliveries. Every handler runs in the inbox transaction of its event,
 * creates its deliveries there (one per event, recipient and kind) and enqueues their jobs only after the
 * commit; the sweeper enqueues whatever a crash between the two left without a job.
 */
@Injectable()
export class NotificationsService {
  private readonly log = new Logger(NotificationsService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: NotificationConfig,
    private readonly dataSource: DataSource,
    private readonly inbox: InboxService,
    private readonly outbox: OutboxService,
    private readonly recipients: RecipientsRepository,
    private readonly deliveries: DeliveriesRepository,
    private readonly renderer: TemplateRenderer,
    private readonly queues: DeliveryQueues,
    private readonly webhook: WebhookTransport,
  ) {}

  onReceived(event: EventEnvelope<typeof Topic.InquiryReceived>): Promise<HandlerOutcome> {
    return this.handle('notification-received', event, async (manager, effects) => {
      const values = RecipientsRepository.receivedValues(event.id, event.payload);
      const row = await this.recipients.upsert(manager, event.inquiryId, values);
      if (!(await this.acknowledgeWhenReady(manager, row, false, effects)))
        effects.graceFor.push(event.inquiryId);
    });
  }

  onClassified(event: EventEnvelope<typeof Topic.InquiryClassified>): Promise<HandlerOutcome> {
    return this.handle('notification-classified', event, async (manager, effects) => {
      const articles = event.payload.suggestedArticles.map(({ title, url }) => ({ title, url }));
      const row = await this.recipients.upsert(manager, event.inquiryId, {
        language: event.payload.language,
        suggested_articles: JSON.stringify(articles),
        classified_at: event.payload.classifiedAt,
      });
      await this.acknowledgeWhenReady(manager, row, false, effects);
    });
  }

  onDeadlinesSet(event: EventEnvelope<typeof Topic.SlaDeadlinesSet>): Promise<HandlerOutcome> {
    return this.handle('notification-deadlines-set', event, async (manager, effects) => {
      const row = await this.recipients.upsert(manager, event.inquiryId, {
        first_response_due_at: event.payload.firstResponseDueAt ?? null,
        deadlines_set_at: event.payload.setAt,
      });
      await this.acknowledgeWhenReady(manager, row, false, effects);
    });
  }

  /** The grace timer: acknowledge with what is known, if nothing did before. */
  async acknowledgeAfterGrace(inquiryId: string): Promise<'acknowledged' | 'nothing to do'> {
    const effects: Effects = { deliveries: [], graceFor: [], acknowledged: [] };
    const done = await this.dataSource.transaction(async (manager) => {
      const row = await this.recipients.lock(manager, inquiryId);
      return row ? this.acknowledgeWhenReady(manager, row, true, effects) : false;
    });
    await this.applyEffects(effects);
    return done && effects.deliveries.length > 0 ? 'acknowledged' : 'nothing to do';
  }

  onAssigned(event: EventEnvelope<typeof Topic.InquiryAssigned>): Promise<HandlerOutcome> {
    return this.handle('notification-assigned', event, async (manager, effects) => {
      const { agentId, category, priority, language, translationNeeded } = event.payload;
      const row = await this.recipients.upsert(manager, event.inquiryId, { agent_id: agentId });
      // The customer hears "an agent is on it" once; a reassignment is not news to them.
      if (!row.customer_told_assigned_at) {
        await this.recipients.mark(manager, event.inquiryId, 'customer_told_assigned_at');
        await this.toCustomer(manager, row, event, 'assigned', {}, effects);
      }
      await this.toStaff(manager, event, 'assigned', [{ recipient: 'agent', agentId }], effects, {
        agentId,
        category,
        priority,
        language,
        translationNeeded,
      });
    });
  }

  onResponded(event: EventEnvelope<typeof Topic.InquiryResponded>): Promise<HandlerOutcome> {
    return this.handle('notification-responded', event, async (manager, effects) => {
      const row = await this.recipients.upsert(manager, event.inquiryId, {});
      await this.toCustomer(manager, row, event, 'reply', { body: event.payload.body }, effects);
    });
  }

  onResolved(event: EventEnvelope<typeof Topic.InquiryResolved>): Promise<HandlerOutcome> {
    return this.handle('notification-resolved', event, async (manager, effects) => {
      const row = await this.recipients.upsert(manager, event.inquiryId, {
        resolved_at: event.payload.resolvedAt,
      });
      await this.toCustomer(manager, row, event, 'resolved', {}, effects);
    });
  }

  onSlaWarning(event: EventEnvelope<typeof Topic.SlaWarning>): Promise<HandlerOutcome> {
    return this.handle('notification-sla-warning', event, async (manager, effects) => {
      const row = await this.recipients.upsert(manager, event.inquiryId, {});
      const { clock, priority, dueAt } = event.payload;
      // The assigned agent; the supervisors when nobody holds the inquiry yet.
      const targets: StaffTarget[] = row.agent_id
        ? [{ recipient: 'agent', agentId: row.agent_id }]
        : this.supervisors();
      await this.toStaff(manager, event, 'sla_warning', targets, effects, { clock, priority, dueAt });
    });
  }

  onSlaBreached(event: EventEnvelope<typeof Topic.SlaBreached>): Promise<HandlerOutcome> {
    return this.handle('notification-sla-breached', event, async (manager, effects) => {
      const row = await this.recipients.upsert(manager, event.inquiryId, {});
      const { clock, priority, dueAt, escalationLevel } = event.payload;
      if (!row.resolved_at) await this.toCustomer(manager, row, event, 'sla_breach', { clock }, effects);
      const targets: StaffTarget[] = [
        ...(row.agent_id ? [{ recipient: 'agent' as const, agentId: row.agent_id }] : []),
        ...this.supervisors(),
      ];
      await this.toStaff(manager, event, 'sla_breach', targets, effects, {
        clock,
        priority,
        dueAt,
        escalationLevel,
      });
    });
  }

  onEscalated(event: EventEnvelope<typeof Topic.InquiryEscalated>): Promise<HandlerOutcome> {
    return this.handle('notification-escalated', event, async (manager, effects) => {
      const { level, reason, priority, previousPriority, requiresSenior } = event.payload;
      await this.toStaff(manager, event, 'escalated', this.supervisors(), effects, {
        level,
        reason,
        priority,
        previousPriority,
        requiresSenior,
      });
    });
  }

  private async handle(
    consumer: string,
    event: EventEnvelope,
    work: (manager: EntityManager, effects: Effects) => Promise<void>,
  ): Promise<HandlerOutcome> {
    const effects: Effects = { deliveries: [], graceFor: [], acknowledged: [] };
    const outcome = await this.inbox.handleOnce(consumer, event, async (manager) => {
      await work(manager, effects);
      return HANDLED;
    });
    if (outcome.outcome === 'handled') await afterCommitTogether(this.together, effects);
    return outcome;
  }

  /** The effects of the events of one transaction (a consumer batch), enqueued in one go. */
  private readonly together: AfterCommitBatch<Effects> = {
    applyAll: (all) =>
      this.applyEffects({
        deliveries: all.flatMap((effects) => effects.deliveries),
        graceFor: all.flatMap((effects) => effects.graceFor),
        acknowledged: all.flatMap((effects) => effects.acknowledged),
      }),
  };

  private async applyEffects(effects: Effects): Promise<void> {
    const acknowledged = new Set(effects.acknowledged);
    const receivedNow = new Set(effects.graceFor);
    try {
      await this.queues.enqueue(effects.deliveries);
      // Received and acknowledged in the same transaction: no timer needed.
      for (const inquiryId of receivedNow)
        if (!acknowledged.has(inquiryId)) await this.queues.armGrace(inquiryId, this.config.ACK_GRACE_MS);
    } catch (error) {
      // Committed already: the sweeper enqueues these deliveries and re-arms these timers.
      this.log.warn(`enqueue after commit failed, left to the sweeper: ${String(error)}`);
    }
    // A timer left in place fires and finds the inquiry acknowledged: harmless, only wasted work.
    await this.queues
      .cancelGrace(effects.acknowledged.filter((inquiryId) => !receivedNow.has(inquiryId)))
      .catch((error: unknown) => this.log.warn(`grace timers not removed: ${String(error)}`));
  }

  /**
   * Sends the acknowledgement once the classification and the deadlines are known, or at once when
   * `force` (the grace timer). Releases the customer messages held until then. True once acknowledged.
   */
  private async acknowledgeWhenReady(
    manager: EntityManager,
    row: RecipientRow,
    force: boolean,
    effects: Effects,
  ): Promise<boolean> {
    if (row.acknowledged_at) return true;
    if (!row.received_at || !row.received_event_id) return false;
    const complete = row.classified_at !== null && row.deadlines_set_at !== null;
    if (!complete && !force && this.config.ACK_GRACE_MS > 0) return false;
    await this.recipients.mark(manager, row.inquiry_id, 'acknowledged_at');
    // Its grace timer has nothing left to do (when it is the one acknowledging, it ends by itself).
    if (!force && this.config.ACK_GRACE_MS > 0) effects.acknowledged.push(row.inquiry_id);
    const variables = {
      firstResponseDueAt: row.first_response_due_at
        ? new Date(row.first_response_due_at).toISOString()
        : undefined,
      articles: row.suggested_articles ?? [],
    };
    await this.createCustomerDelivery(
      manager,
      row,
      row.received_event_id,
      'acknowledgement',
      variables,
      true,
      effects,
    );
    for (const held of await this.deliveries.held(manager, row.inquiry_id)) {
      await this.materialize(manager, row, held.id, held.kind, held.variables, effects);
    }
    return true;
  }

  private async toCustomer(
    manager: EntityManager,
    row: RecipientRow,
    event: EventEnvelope,
    kind: NotificationKind,
    variables: Record<string, unknown>,
    effects: Effects,
  ): Promise<void> {
    // Nothing reaches the customer before their acknowledgement: hold it until then.
    await this.createCustomerDelivery(
      manager,
      row,
      event.id,
      kind,
      variables,
      row.acknowledged_at !== null,
      effects,
    );
  }

  private async createCustomerDelivery(
    manager: EntityManager,
    row: RecipientRow,
    eventId: string,
    kind: NotificationKind,
    variables: Record<string, unknown>,
    ready: boolean,
    effects: Effects,
  ): Promise<void> {
    const id = deliveryId(eventId, 'customer', kind);
    // Rendered now when it can go now: inserted ready, one statement.
    const prepared = ready ? this.prepare(row, id, kind, variables) : undefined;
    const inserted = await this.deliveries.insert(manager, {
      id,
      eventId,
      inquiryId: row.inquiry_id,
      kind,
      recipient: 'customer',
      recipientKey: 'customer',
      channel: row.channel ?? 'unknown',
      variables,
      ...(prepared && 'ready' in prepared ? { ready: prepared.ready } : {}),
    });
    if (!inserted || !prepared) return;
    if ('ready' in prepared)
      effects.deliveries.push({ id, transport: prepared.ready.transport, recipient: 'customer' });
    else await this.failUnreachable(manager, row, id, kind, prepared.error);
  }

  /** Renders a held customer delivery now that the customer is known, or fails it if they cannot be reached. */
  private async materialize(
    manager: EntityManager,
    row: RecipientRow,
    id: string,
    kind: NotificationKind,
    variables: Record<string, unknown>,
    effects: Effects,
  ): Promise<void> {
    const prepared = this.prepare(row, id, kind, variables);
    if ('error' in prepared) return this.failUnreachable(manager, row, id, kind, prepared.error);
    await this.deliveries.release(manager, id, row.channel ?? 'unknown', prepared.ready);
    effects.deliveries.push({ id, transport: prepared.ready.transport, recipient: 'customer' });
  }

  /** A customer delivery that cannot leave (no address, no adapter callback): failed for good, with its event. */
  private async failUnreachable(
    manager: EntityManager,
    row: RecipientRow,
    id: string,
    kind: NotificationKind,
    error: string,
  ): Promise<void> {
    const language = chooseLanguage(row.language, row.locale);
    const failed = await this.deliveries.markFailed(manager, id, error, {
      attempts: 1,
      channel: row.channel ?? 'unknown',
      language,
    });
    if (failed) {
      await this.outbox.enqueue(manager, Topic.NotificationFailed, {
        inquiryId: row.inquiry_id,
        payload: {
          deliveryId: id,
          inquiryId: row.inquiry_id,
          kind,
          recipient: 'customer',
          channel: row.channel ?? 'unknown',
          language,
          attempts: 1,
          error,
          failedAt: new Date().toISOString(),
        },
      });
    }
    this.log.warn(`customer of ${row.inquiry_id} cannot be reached for ${kind}: ${error}`);
  }

  /** What a customer delivery carries (route, language, rendered message), or why it cannot be sent. */
  private prepare(
    row: RecipientRow,
    id: string,
    kind: NotificationKind,
    variables: Record<string, unknown>,
  ): { ready: Ready } | { error: string } {
    const language = chooseLanguage(row.language, row.locale);
    const route = this.customerRoute(row);
    if ('error' in route) return route;
    const rendered = this.renderer.render(kind, 'customer', language, {
      ...variables,
      ref: referenceOf(row.inquiry_id),
      name: row.name ?? undefined,
      trackingUrl: this.trackingUrl(row),
    });
    const message: StoredMessage =
      route.transport === 'email'
        ? { subject: rendered.subject, text: rendered.text, html: rendered.html }
        : {
            body: {
              deliveryId: id,
              inquiryId: row.inquiry_id,
              kind,
              channel: row.channel,
              externalId: row.external_id ?? undefined,
              threadId: row.thread_id ?? undefined,
              customer: {
                id: row.customer_id ?? undefined,
                handle: row.handle ?? undefined,
                email: row.email ?? undefined,
              },
              language: rendered.language,
              subject: rendered.subject,
              text: rendered.text,
            },
          };
    return {
      ready: { transport: route.transport, address: route.address, language: rendered.language, message },
    };
  }

  private customerRoute(row: RecipientRow): { transport: Transport; address: string } | { error: string } {
    if (row.channel === 'email') {
      return row.email
        ? { transport: 'email', address: row.email }
        : { error: 'the customer has no email address' };
    }
    const adapter = row.adapter_id ?? '';
    if (!this.webhook.callbackOf(adapter))
      return { error: `no callback URL for adapter ${adapter} (ADAPTER_CALLBACKS)` };
    return { transport: 'webhook', address: adapterAddress(adapter) };
  }

  private trackingUrl(row: RecipientRow): string | undefined {
    if (!row.tracking_token_sealed) return undefined;
    try {
      const token = unseal(row.tracking_token_sealed, this.config.TRACKING_TOKEN_KEY);
      return `${this.config.STATUS_PAGE_URL}/inquiries/${row.inquiry_id}?token=${encodeURIComponent(token)}`;
    } catch {
      this.log.warn(
        `tracking token of ${row.inquiry_id} cannot be opened with TRACKING_TOKEN_KEY; no link sent`,
      );
      return undefined;
    }
  }

  private supervisors(): StaffTarget[] {
    return this.config.SUPERVISOR_EMAILS.map((email) => ({ recipient: 'supervisor' as const, email }));
  }

  /** Email to each target, and one chat-webhook message for the event when a chat tool is configured. */
  private async toStaff(
    manager: EntityManager,
    event: EventEnvelope,
    kind: NotificationKind,
    targets: StaffTarget[],
    effects: Effects,
    variables: Record<string, unknown>,
  ): Promise<void> {
    const language = this.config.AGENT_LANGUAGE;
    const rendered = this.renderer.render(kind, 'staff', language, {
      ...variables,
      ref: referenceOf(event.inquiryId),
    });
    const create = async (
      recipient: Recipient,
      key: string,
      transport: Transport,
      address: string,
      message: StoredMessage,
    ) => {
      const id = deliveryId(event.id, key, kind);
      const ready: Ready = { transport, address, language: rendered.language, message };
      const inserted = await this.deliveries.insert(manager, {
        id,
        eventId: event.id,
        inquiryId: event.inquiryId,
        kind,
        recipient,
        recipientKey: key,
        channel: transport === 'email' ? 'email' : 'chat',
        variables,
        ready,
      });
      if (inserted) effects.deliveries.push({ id, transport, recipient });
    };
    const email = { subject: rendered.subject, text: rendered.text, html: rendered.html };
    for (const target of targets) {
      const address =
        'agentId' in target ? `${target.agentId}@${this.config.AGENT_EMAIL_DOMAIN}` : target.email;
      await create(target.recipient, `${target.recipient}:${address}`, 'email', address, email);
    }
    if (this.config.AGENT_WEBHOOK_URL) {
      const recipient: Recipient = targets.some((target) => target.recipient === 'agent')
        ? 'agent'
        : 'supervisor';
      await create(recipient, AGENT_WEBHOOK_ADDRESS, 'webhook', AGENT_WEBHOOK_ADDRESS, {
        body: {
          // Slack-compatible: `text` is what a chat tool shows; the rest is for bots.
          text: `*${rendered.subject}*\n${rendered.text}`,
          kind,
          inquiryId: event.inquiryId,
          ...('agentId' in variables ? { agentId: variables['agentId'] } : {}),
        },
      });
    }
  }
}

type StaffTarget = { recipient: 'agent'; agentId: string } | { recipient: 'supervisor'; email: string };

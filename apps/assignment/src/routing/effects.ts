import { Inject, Injectable } from '@nestjs/common';
import type { AfterCommitBatch } from '@relaydesk/messaging';
import { APP_CONFIG } from '@relaydesk/runtime';
import type { AgentNotification } from '../agent-events/agent-event';
import { AgentEventsService } from '../agent-events/agent-events.service';
import { CLOCK, type Clock } from '../common/clock';
import type { AssignmentConfig } from '../config';
import { DispatchService } from './dispatch.service';
import { RoutingTimers } from './routing-timers';
import { type WaitingEntry, waitingJobId, WaitingLine } from './waiting-line';

export interface EnqueuedInquiry extends WaitingEntry {
  language: string;
  languageFallback: boolean;
  waitingSince: Date;
}

/**
 * What a committed transaction asks of Redis: jobs to add or drop, timers to arm, agents to tell, a
 * dispatch to run. Collected during the transaction, applied after the commit (never before: another
 * replica must not see a job whose inquiry is not committed yet).
 */
export class Effects {
  readonly enqueue: EnqueuedInquiry[] = [];
  readonly dequeue: string[] = [];
  readonly noReply: { inquiryId: string; assignmentId: string }[] = [];
  readonly disarmNoReply: string[] = [];
  readonly notify: AgentNotification[] = [];
  dispatch = false;

  /**
   * The effects of several committed transactions (or of several events of one), in order, as one: a job
   * added by one and dropped by a later one is neither added nor dropped, a no-reply timer armed and then
   * disarmed is not armed.
   */
  static merge(all: readonly Effects[]): Effects {
    if (all.length === 1) return all[0];
    const merged = new Effects();
    const enqueue = new Map<string, EnqueuedInquiry>();
    const dequeue = new Set<string>();
    const noReply = new Map<string, { inquiryId: string; assignmentId: string }>();
    const disarm = new Set<string>();
    for (const effects of all) {
      for (const jobId of effects.dequeue) {
        if (!enqueue.delete(jobId)) dequeue.add(jobId);
      }
      for (const entry of effects.enqueue) {
        enqueue.set(waitingJobId(entry), entry);
        dequeue.delete(waitingJobId(entry));
      }
      for (const timer of effects.noReply) {
        noReply.set(timer.assignmentId, timer);
        disarm.delete(timer.assignmentId);
      }
      for (const assignmentId of effects.disarmNoReply) {
        if (!noReply.delete(assignmentId)) disarm.add(assignmentId);
      }
      merged.notify.push(...effects.notify);
      merged.dispatch ||= effects.dispatch;
    }
    merged.enqueue.push(...enqueue.values());
    merged.dequeue.push(...dequeue);
    merged.noReply.push(...noReply.values());
    merged.disarmNoReply.push(...disarm);
    return merged;
  }
}

@Injectable()
export class EffectsRunner {
  constructor(
    private readonly waitingLine: WaitingLine,
    private readonly timers: RoutingTimers,
    private readonly events: AgentEventsService,
    private readonly dispatcher: DispatchService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AssignmentConfig,
  ) {}

  /**
   * The Redis effects of the events of one transaction (a consumer batch), merged in their order and
   * applied in a handful of round trips (`afterCommitTogether`). When applying fails, each of those
   * events is handled again on its own and rebuilds its Redis state from Postgres.
   */
  readonly together: AfterCommitBatch<Effects> = {
    applyAll: (all) => this.apply(Effects.merge(all)),
  };

  async apply(effects: Effects): Promise<void> {
    if (effects.dequeue.length > 0) await this.waitingLine.removeEverywhere(effects.dequeue);
    const now = this.clock.now().getTime();
    await Promise.all([
      this.waitingLine.add(effects.enqueue),
      this.timers.armLanguageFallback(
        effects.enqueue
          .filter((entry) => !entry.languageFallback && entry.language !== this.config.FALLBACK_LANGUAGE)
          .map((entry) => ({
            inquiryId: entry.inquiryId,
            seq: entry.seq,
            delayMs: entry.waitingSince.getTime() + this.config.LANGUAGE_FALLBACK_SECONDS * 1000 - now,
          })),
      ),
      this.timers.armNoReply(
        effects.noReply.map((timer) => ({ ...timer, delayMs: this.config.NO_REPLY_TIMEOUT_SECONDS * 1000 })),
      ),
      this.timers.disarmNoReply(effects.disarmNoReply),
    ]);
    await this.events.publish(effects.notify);
    if (effects.dispatch || effects.enqueue.length > 0) this.dispatcher.request();
  }

  /** Another full language wait for an inquiry whose timer found a busy native speaker online. */
  async armLanguageWait(inquiryId: string, seq: number): Promise<void> {
    await this.timers.armLanguageFallback([
      {
        inquiryId,
        seq,
        round: this.clock.now().getTime(),
        delayMs: this.config.LANGUAGE_FALLBACK_SECONDS * 1000,
      },
    ]);
  }

  /** No-reply timers of assignments made at `assignedAt` (re-armed from Postgres). */
  async armNoReplyAt(
    timers: readonly { inquiryId: string; assignmentId: string; assignedAt: Date }[],
  ): Promise<void> {
    const now = this.clock.now().getTime();
    await this.timers.armNoReply(
      timers.map(({ inquiryId, assignmentId, assignedAt }) => ({
        inquiryId,
        assignmentId,
        delayMs: assignedAt.getTime() + this.config.NO_REPLY_TIMEOUT_SECONDS * 1000 - now,
      })),
    );
  }
}

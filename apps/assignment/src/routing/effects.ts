import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@relaydesk/runtime';
import type { AgentNotification } from '../agent-events/agent-event';
import { AgentEventsService } from '../agent-events/agent-events.service';
import { CLOCK, type Clock } from '../common/clock';
import type { AssignmentConfig } from '../config';
import { DispatchService } from './dispatch.service';
import { RoutingTimers } from './routing-timers';
import { type WaitingEntry, WaitingLine } from './waiting-line';

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

  async apply(effects: Effects): Promise<void> {
    if (effects.dequeue.length > 0) await this.waitingLine.removeEverywhere(effects.dequeue);
    if (effects.enqueue.length > 0) {
      await this.waitingLine.add(effects.enqueue);
      await this.timers.armLanguageFallback(
        effects.enqueue
          .filter((entry) => !entry.languageFallback && entry.language !== this.config.FALLBACK_LANGUAGE)
          .map((entry) => ({
            inquiryId: entry.inquiryId,
            seq: entry.seq,
            delayMs:
              entry.waitingSince.getTime() +
              this.config.LANGUAGE_FALLBACK_SECONDS * 1000 -
              this.clock.now().getTime(),
          })),
      );
    }
    await this.timers.armNoReply(
      effects.noReply.map((timer) => ({ ...timer, delayMs: this.config.NO_REPLY_TIMEOUT_SECONDS * 1000 })),
    );
    for (const assignmentId of effects.disarmNoReply) await this.timers.disarmNoReply(assignmentId);
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

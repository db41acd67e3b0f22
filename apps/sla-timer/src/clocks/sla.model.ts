import type { Interval } from '@relaydesk/business-time';
import type {
  CustomerTier,
  PayloadInputOf,
  Priority,
  SlaClockKind,
  SlaClockState,
  Topic,
} from '@relaydesk/contracts';

/** What a timer does when its instant comes. */
export const TimerAction = { Warn: 'warn', Breach: 'breach' } as const;
export type TimerAction = (typeof TimerAction)[keyof typeof TimerAction];

/** A warning or breach whose instant has come, for the clock version it was due for. */
export interface DueTimer {
  inquiryId: string;
  kind: SlaClockKind;
  action: TimerAction;
  version: number;
}

/** One clock of an inquiry as stored. `version` changes whenever its instants change or it stops. */
export interface ClockRecord {
  kind: SlaClockKind;
  state: SlaClockState;
  dueAt: Date;
  warnAt: Date;
  warnedAt: Date | null;
  metAt: Date | null;
  breachedAt: Date | null;
  version: number;
}

/** The SLA of one inquiry: the policy it runs on and its two clocks. */
export interface InquirySla {
  inquiryId: string;
  priority: Priority;
  tier: CustomerTier;
  /** Version of the policy document in force when the inquiry was first classified. */
  policyVersion: number;
  /** The policy entry applied, `priority/tier` (`standard` when a vip customer fell back to it). */
  policyKey: string;
  /** Classification time: every recomputation starts from here. */
  startedAt: Date;
  escalationLevel: number;
  /** Set while the inquiry waits on the customer (the resolution clock is paused). */
  waitingSince: Date | null;
  /** Closed spans the inquiry waited on the customer. */
  pauses: Interval[];
  clocks: Record<SlaClockKind, ClockRecord>;
}

export type TimerCommand =
  | { type: 'arm'; inquiryId: string; kind: SlaClockKind; action: TimerAction; version: number; at: Date }
  | { type: 'cancel'; inquiryId: string; kind: SlaClockKind; version: number };

export type ProducedTopic =
  | typeof Topic.SlaDeadlinesSet
  | typeof Topic.SlaWarning
  | typeof Topic.SlaBreached
  | typeof Topic.InquiryEscalated;

export type OutgoingEvent = {
  [T in ProducedTopic]: { topic: T; payload: PayloadInputOf<T> };
}[ProducedTopic];

/** What the machine decided: the new state, the events to publish with it, the timers to change after the commit. */
export type Transition =
  | { changed: true; sla: InquirySla; events: OutgoingEvent[]; timers: TimerCommand[] }
  | { changed: false; reason: string };

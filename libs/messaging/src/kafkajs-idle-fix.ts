import { createRequire } from 'node:module';

/** The kafkajs release whose request queue this fixes (the last one; the project is unmaintained). */
const FIXED_VERSION = '2.2.4';

interface RequestQueueInternals {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/**
 * kafkajs 2.2.4 re-arms a timer with a negative delay (so every ~1 ms) on each broker connection for as
 * long as the connection lives, although nothing is pending and nothing throttled: an idle service
 * woke ~1,450 times a second and spent ~70 ms of CPU a second doing nothing (tulios/kafkajs#1556,
 * #1704; the fix of PR #1667 / #1768 is not released). This applies that fix: with nothing pending and
 * no throttle to wait out, nothing is scheduled — `push` schedules a check when it queues a request, and
 * every response runs one. Applied once, only to the release it was written for.
 */
export function fixKafkajsIdleLoop(): boolean {
  const load = createRequire(__filename);
  const { version } = load('kafkajs/package.json') as { version: string };
  if (version !== FIXED_VERSION) return false;
  const RequestQueue = load('kafkajs/src/network/requestQueue') as {
    prototype: RequestQueueInternals & { __relaydeskIdleFix?: true };
  };
  const prototype = RequestQueue.prototype;
  if (prototype.__relaydeskIdleFix) return true;
  const CHECK_PENDING_REQUESTS_INTERVAL = 10; // as in kafkajs
  prototype.scheduleCheckPendingRequests = function (this: RequestQueueInternals) {
    if (this.throttleCheckTimeoutId) return;
    let scheduleAt = this.throttledUntil - Date.now();
    if (this.pending.length > 0) scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL;
    else if (scheduleAt <= 0) return;
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, scheduleAt);
  };
  prototype.__relaydeskIdleFix = true;
  return true;
}

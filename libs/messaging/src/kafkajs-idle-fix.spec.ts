import { createRequire } from 'node:module';
import { fixKafkajsIdleLoop } from './kafkajs-idle-fix';

interface Queue {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

describe("kafkajs' request queue on an idle connection", () => {
  const load = createRequire(__filename);
  const RequestQueue = load('kafkajs/src/network/requestQueue') as { prototype: Queue };
  const queue = (pending: unknown[], throttledUntil = -1): Queue => {
    const instance = Object.create(RequestQueue.prototype) as Queue;
    Object.assign(instance, { pending, throttledUntil, throttleCheckTimeoutId: null });
    instance.checkPendingRequests = jest.fn();
    return instance;
  };

  beforeAll(() => expect(fixKafkajsIdleLoop()).toBe(true));

  it('schedules nothing while nothing is pending and nothing is throttled (it looped every ~1 ms)', () => {
    const idle = queue([]);
    idle.scheduleCheckPendingRequests();
    expect(idle.throttleCheckTimeoutId).toBeNull();
  });

  it('still checks a pending request soon, and waits out a throttle', () => {
    const waiting = queue([{}]);
    waiting.scheduleCheckPendingRequests();
    expect(waiting.throttleCheckTimeoutId).not.toBeNull();
    clearTimeout(waiting.throttleCheckTimeoutId!);
    const throttled = queue([], Date.now() + 5_000);
    throttled.scheduleCheckPendingRequests();
    expect(throttled.throttleCheckTimeoutId).not.toBeNull();
    clearTimeout(throttled.throttleCheckTimeoutId!);
  });
});

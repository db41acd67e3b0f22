import type { TimerCommand } from '../clocks/sla.model';
import { withoutCancelledArms } from './deadline.timers';

const at = new Date('2026-11-25T10:00:00Z');
const arm = (inquiryId: string, version: number): TimerCommand => ({
  type: 'arm',
  inquiryId,
  kind: 'first_response',
  action: 'breach',
  version,
  at,
});
const cancel = (inquiryId: string, version: number): TimerCommand => ({
  type: 'cancel',
  inquiryId,
  kind: 'first_response',
  version,
});

describe('the timer commands of a consumer batch', () => {
  it('keeps every command, in order, when nothing cancels an earlier arm', () => {
    const commands = [arm('a', 1), cancel('b', 1), arm('b', 2)];
    expect(withoutCancelledArms(commands)).toEqual(commands);
  });

  it('drops an arm that a later event of the batch cancels, and keeps the cancel', () => {
    expect(withoutCancelledArms([arm('a', 1), arm('b', 1), cancel('a', 1), arm('a', 2)])).toEqual([
      arm('b', 1),
      cancel('a', 1),
      arm('a', 2),
    ]);
  });

  it('keeps an arm that comes after the cancel of its version', () => {
    expect(withoutCancelledArms([cancel('a', 1), arm('a', 1)])).toEqual([cancel('a', 1), arm('a', 1)]);
  });
});

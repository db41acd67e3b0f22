/**
 * Loaded with `-r` into the service processes the bench starts: counts their Postgres queries and Redis
 * commands (`installIoCounter`, which wraps library prototypes: bench only) and answers the bench's
 * `'io'` message with the totals so far, over the IPC channel of `fork`.
 */
import { installIoCounter, IoMark } from '@relaydesk/testing';

installIoCounter();
const sinceStart = new IoMark();
process.on('message', (message: unknown) => {
  if (message === 'io') process.send?.({ io: sinceStart.since() });
});
// The channel must not keep a stopped service alive.
process.channel?.unref();

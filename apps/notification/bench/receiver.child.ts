/**
 * The bench's receiver in a process of its own (an adapter is another service): it checks signatures like
 * an adapter would and, when asked, reports what it received to the parent over IPC.
 */
import { LocalReceiver } from '../test/fixtures';

export interface ReceiverReport {
  received: number;
  distinctIdempotencyKeys: number;
  badSignatures: number;
  cpuMs: number;
}

async function main(): Promise<void> {
  const receiver = new LocalReceiver({ '/adapter': 'demo-secret' });
  const port = await receiver.start();
  const cpuBefore = process.cpuUsage();
  process.on('message', (message: unknown) => {
    if (message === 'report') {
      const cpu = process.cpuUsage(cpuBefore);
      const report: ReceiverReport = {
        received: receiver.calls.length,
        distinctIdempotencyKeys: new Set(receiver.calls.map((call) => call.headers['idempotency-key'])).size,
        badSignatures: receiver.calls.filter((call) => !call.signatureValid).length,
        cpuMs: (cpu.user + cpu.system) / 1000,
      };
      process.send?.({ report });
    } else if (message === 'stop') {
      void receiver.stop().then(() => process.exit(0));
    }
  });
  process.send?.({ port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/**
 * The bench's SMTP server in a process of its own (`smtp-server`, as the integration spec's LocalSmtp but
 * without parsing whole mails): it accepts every message, notes its Message-ID (the delivery id) and, when
 * asked, reports what it received to the parent over IPC.
 */
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface SmtpReceiverReport {
  received: number;
  /** SMTP connections opened by the service (its pool reconnects after `maxMessages`). */
  connections: number;
  distinctMessageIds: number;
  cpuMs: number;
}

const HEADER_END = '\r\n\r\n';
const MESSAGE_ID = /^message-id:\s*(<[^>\r\n]+>)/im;

async function main(): Promise<void> {
  let received = 0;
  let connections = 0;
  const messageIds = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // nodemailer's pool sends many messages per connection.
    maxClients: 1_000,
    onConnect: (_session, callback) => {
      connections += 1;
      callback();
    },
    onData: (stream, _session, callback) => {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (!head.includes(HEADER_END)) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        received += 1;
        const id = MESSAGE_ID.exec(head.split(HEADER_END)[0])?.[1];
        if (id) messageIds.add(id);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const cpuBefore = process.cpuUsage();
  process.on('message', (message: unknown) => {
    if (message === 'report') {
      const cpu = process.cpuUsage(cpuBefore);
      const report: SmtpReceiverReport = {
        received,
        connections,
        distinctMessageIds: messageIds.size,
        cpuMs: (cpu.user + cpu.system) / 1000,
      };
      process.send?.({ report });
    } else if (message === 'stop') {
      server.close(() => process.exit(0));
    }
  });
  process.send?.({ port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

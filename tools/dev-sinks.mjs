// Local stand-ins for the outside world of `npm start`: an SMTP server that accepts the mail the
// notification service sends, and the channel adapters' callback endpoint (it checks the signature the
// way a real adapter would). Each message is one log line: who, what kind, in which language.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

export const SMTP_PORT = Number(process.env.DEV_SMTP_PORT ?? 2525);
export const CALLBACK_PORT = Number(process.env.DEV_CALLBACK_PORT ?? 3099);
const secrets = Object.fromEntries(
  (process.env.ADAPTER_SECRETS ?? 'demo=demo-secret')
    .split(',')
    .map((pair) => pair.split('=').map((part) => part.trim())),
);

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, session, callback) {
    simpleParser(stream)
      .then((mail) => {
        const to = session.envelope.rcptTo
          .map((address) => address.address.replace(/^[^@]{0,2}[^@]*@/, '***@'))
          .join(', ');
        process.stdout.write(`mail      to ${to}: ${mail.subject}\n`);
        callback();
      })
      .catch(callback);
  },
});
smtp.listen(SMTP_PORT, '127.0.0.1');

http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const adapter = String(req.headers['x-relaydesk-adapter'] ?? '');
      const timestamp = String(req.headers['x-relaydesk-timestamp'] ?? '');
      const given = Buffer.from(String(req.headers['x-relaydesk-signature'] ?? ''));
      const expected = Buffer.from(
        `sha256=${createHmac('sha256', secrets[adapter] ?? '')
          .update(`${timestamp}.${raw}`)
          .digest('hex')}`,
      );
      const valid = given.length === expected.length && timingSafeEqual(given, expected);
      if (!valid) {
        process.stdout.write(`callback  REFUSED: bad signature from adapter ${adapter || '(none)'}\n`);
        res.writeHead(401).end();
        return;
      }
      let summary = '';
      try {
        const body = JSON.parse(raw);
        summary = [body.kind, body.channel, body.language, body.inquiryId].filter(Boolean).join(' ');
      } catch {
        summary = 'unreadable body';
      }
      process.stdout.write(
        `callback  ${adapter}: ${summary} (idempotency-key ${req.headers['idempotency-key'] ?? '-'})\n`,
      );
      res.writeHead(204).end();
    });
  })
  .listen(CALLBACK_PORT, '127.0.0.1');

process.stdout.write(
  `SMTP on 127.0.0.1:${SMTP_PORT}, adapter callbacks on http://127.0.0.1:${CALLBACK_PORT}/callback\n`,
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));

import { adapterSignatureValid } from '@relaydesk/testing';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The world outside the pipeline, as the end-to-end suites see it: a mail server that keeps every mail
 * it is handed, an HTTP endpoint that receives adapter callbacks and chat alerts, and a customer's live
 * event stream.
 */

/** The mail server of the outside world (shared with the notification tests). */
export { LocalSmtp as Mailbox } from '@relaydesk/testing';

export interface ReceivedPost {
  path: string;
  /** When it arrived here (ms since epoch). */
  receivedAt: number;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  body: Record<string, unknown>;
  /** Whether the signature matched the secret configured for `path`. */
  signatureValid: boolean;
}

/**
 * An HTTP server that takes signed JSON POSTs the way a channel adapter (or a chat tool) would: it checks
 * the signature with the secret configured for the path, keeps the request and answers 200.
 */
export class PostReceiver {
  readonly posts: ReceivedPost[] = [];
  private server?: http.Server;
  port = 0;

  /** `secrets`: the secret expected on each path, e.g. `{ '/callback': 'demo-secret' }`. */
  constructor(private readonly secrets: Record<string, string>) {}

  async start(): Promise<number> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(rawBody) as Record<string, unknown>;
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"not JSON"}');
          return;
        }
        const path = req.url ?? '';
        this.posts.push({
          path,
          receivedAt: Date.now(),
          headers: req.headers,
          rawBody,
          body,
          signatureValid: adapterSignatureValid(this.secrets[path] ?? '', req.headers, rawBody),
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Posts on `path` about one inquiry, in arrival order. */
  about(path: string, inquiryId: string): ReceivedPost[] {
    return this.posts.filter((post) => post.path === path && post.body['inquiryId'] === inquiryId);
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export interface StreamEntry {
  id: string;
  type: string;
  at: string;
}

/**
 * A customer's live event stream (`GET /v1/inquiries/{id}/events`) read the way a fetch-based EventSource
 * reads it: the token in the Authorization header, `id:` + `data:` blocks collected as they come.
 */
export class EventStream {
  readonly entries: StreamEntry[] = [];
  status = 0;
  contentType = '';
  private readonly abort = new AbortController();
  private reading?: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  /** Resolves once the response headers are in (status and content type known). */
  async open(): Promise<this> {
    const response = await fetch(this.url, {
      headers: { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' },
      signal: this.abort.signal,
    });
    this.status = response.status;
    this.contentType = response.headers.get('content-type') ?? '';
    if (!response.ok || !response.body) {
      await response.arrayBuffer().catch(() => undefined);
      return this;
    }
    this.reading = this.read(response.body).catch((error: unknown) => {
      if (!this.abort.signal.aborted) throw error;
    });
    return this;
  }

  types(): string[] {
    return this.entries.map((entry) => entry.type);
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        this.block(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
      }
    }
  }

  private block(text: string): void {
    let id = '';
    const data: string[] = [];
    for (const line of text.split('\n')) {
      if (line.startsWith('id:')) id = line.slice(3).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trim());
    }
    if (data.length === 0) return; // a comment (keep-alive) or the retry hint
    const parsed = JSON.parse(data.join('\n')) as { type: string; at: string };
    this.entries.push({ id, type: parsed.type, at: parsed.at });
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.reading;
  }
}

import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, counter } from '@relaydesk/runtime';
import type { Response } from 'express';
import type { IntakeConfig } from '../config';
import { TimelineNotifier } from './timeline-notifier.service';
import { TimelineRepository } from './timeline.repository';
import { entryView } from './timeline.service';

interface OpenStream {
  inquiryId: string;
  lastSeq: number;
  running: boolean;
  pending: boolean;
  closed: boolean;
  close(): void;
}

/** `Last-Event-ID` as the sequence number to resume after; anything else starts from the beginning. */
export function resumeAfter(header: string | string[] | undefined): number {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && /^\d{1,9}$/.test(value.trim()) ? Number(value.trim()) : 0;
}

/** One SSE frame per timeline entry; the id is the entry's sequence number within its inquiry. */
export function frame(seq: number, entry: { type: string; at: string }): string {
  return `id: ${seq}\ndata: ${JSON.stringify(entry)}\n\n`;
}

/**
 * The customers' Server-Sent Events streams of this process: the backlog after Last-Event-ID, then each
 * new entry as its commit is announced, keep-alive comments in between. Closed on shutdown (clients
 * reconnect to another replica and resume from their last id).
 */
@Injectable()
export class EventStreams implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventStreams.name);
  private readonly streams = new Set<OpenStream>();
  private readonly opened = counter(
    'relaydesk_intake_event_streams_total',
    'Customer event streams opened',
    [],
  );

  constructor(
    private readonly repository: TimelineRepository,
    private readonly notifier: TimelineNotifier,
    @Inject(APP_CONFIG) private readonly config: IntakeConfig,
  ) {}

  open(inquiryId: string, after: number, response: Response): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold the frames back.
      'x-accel-buffering': 'no',
    });
    response.write('retry: 3000\n\n');
    const keepAlive = setInterval(
      () => response.write(': keep-alive\n\n'),
      this.config.SSE_KEEPALIVE_SECONDS * 1000,
    );
    const stream: OpenStream = {
      inquiryId,
      lastSeq: after,
      running: false,
      pending: false,
      closed: false,
      close: () => {
        if (stream.closed) return;
        stream.closed = true;
        clearInterval(keepAlive);
        unsubscribe();
        this.streams.delete(stream);
        response.end();
      },
    };
    // Subscribed before the backlog is read, so an entry committed in between is not missed.
    const unsubscribe = this.notifier.subscribe(inquiryId, () => void this.pump(stream, response));
    // The response closes when the client goes away (or when we end it).
    response.on('close', stream.close);
    this.streams.add(stream);
    this.opened.inc();
    void this.pump(stream, response);
  }

  /** Sends what is new; a notification arriving mid-read triggers one more read, never a parallel one. */
  private async pump(stream: OpenStream, response: Response): Promise<void> {
    if (stream.running) {
      stream.pending = true;
      return;
    }
    stream.running = true;
    try {
      do {
        stream.pending = false;
        const entries = await this.repository.entriesAfter(stream.inquiryId, stream.lastSeq);
        for (const entry of entries) {
          if (stream.closed) return;
          response.write(frame(entry.seq, entryView(entry)));
          stream.lastSeq = entry.seq;
        }
      } while (stream.pending && !stream.closed);
    } catch (error) {
      // The client reconnects with its Last-Event-ID and loses nothing.
      this.logger.warn(`event stream of inquiry ${stream.inquiryId}: ${String(error)}; closing it`);
      stream.close();
    } finally {
      stream.running = false;
    }
  }

  beforeApplicationShutdown(): void {
    for (const stream of [...this.streams]) stream.close();
  }
}

import { Controller, Get, Header, type NestMiddleware } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Histogram, register } from 'prom-client';

let defaultsCollected = false;

/** Process-wide metrics (one registry per process, labelled with the service). */
export function initMetrics(service: string): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  register.setDefaultLabels({ service });
  collectDefaultMetrics({ prefix: 'relaydesk_' });
}

/** Returns the metric of that name if some module already registered it (a metric is registered once). */
export function counter(name: string, help: string, labelNames: string[]): Counter {
  return (register.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help, labelNames });
}

export function histogram(name: string, help: string, labelNames: string[], buckets?: number[]): Histogram {
  return (
    (register.getSingleMetric(name) as Histogram | undefined) ??
    new Histogram({ name, help, labelNames, ...(buckets ? { buckets } : {}) })
  );
}

const httpDuration = () =>
  histogram(
    'relaydesk_http_request_duration_seconds',
    'HTTP request duration',
    ['method', 'route', 'status'],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  );

export class HttpMetricsMiddleware implements NestMiddleware {
  private readonly duration = httpDuration();

  use(req: Request, res: Response, next: NextFunction): void {
    const end = this.duration.startTimer({ method: req.method });
    res.on('finish', () => {
      // The matched route keeps the label set small (no ids in labels).
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      end({ route: `${req.baseUrl}${route}`, status: String(res.statusCode) });
    });
    next();
  }
}

@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}

import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

interface BodyParserError {
  type?: string;
  status?: number;
  statusCode?: number;
  limit?: number;
}

/**
 * Body-parser errors happen before Nest routes a request, so express would answer them with an HTML
 * page. This answers them in the service's JSON error shape: 413 above the limit, 400 for broken JSON.
 */
function bodyErrorHandler(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  const parserError = error as BodyParserError;
  if (res.headersSent || typeof parserError?.type !== 'string') return next(error);
  if (parserError.type === 'entity.too.large') {
    res.status(413).json({
      statusCode: 413,
      error: 'Payload Too Large',
      message: `the body is larger than ${parserError.limit ?? 65536} bytes`,
    });
    return;
  }
  const status = parserError.status ?? parserError.statusCode ?? 400;
  res.status(status).json({
    statusCode: status,
    error: status === 415 ? 'Unsupported Media Type' : 'Bad Request',
    message: parserError.type === 'entity.parse.failed' ? 'the body is not valid JSON' : 'unreadable body',
    errors: [{ field: '(body)', message: parserError.type }],
  });
}

/** Registered right after the JSON parser (createService's `configure` hook), before the routes. */
export function configureIntakeHttp(app: INestApplication): void {
  app.use(bodyErrorHandler);
}

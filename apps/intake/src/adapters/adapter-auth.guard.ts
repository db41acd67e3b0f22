import {
  type CanActivate,
  type ExecutionContext,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  UnauthorizedException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import { APP_CONFIG, counter } from '@relaydesk/runtime';
import type { Request, Response } from 'express';
import type { IntakeConfig } from '../config';
import { type Clock, CLOCK } from '../shared/clock';
import { AdapterRateLimiter } from './adapter-rate-limiter.service';
import { AdapterSignatureVerifier } from './adapter-signature';

export type AdapterRequest = RawBodyRequest<Request> & { adapterId?: string };

/**
 * The adapter edge, before the body is even validated: JSON only (415), a valid signature over the
 * raw bytes (401, the same answer for every reason), then the adapter's rate limit (429).
 */
@Injectable()
export class AdapterAuthGuard implements CanActivate {
  private readonly logger = new Logger(AdapterAuthGuard.name);
  private readonly verifier: AdapterSignatureVerifier;
  private readonly refused = counter('relaydesk_intake_refused_total', 'Adapter posts refused at the edge', [
    'reason',
  ]);

  constructor(
    @Inject(APP_CONFIG) config: IntakeConfig,
    @Inject(CLOCK) clock: Clock,
    private readonly rateLimiter: AdapterRateLimiter,
  ) {
    this.verifier = new AdapterSignatureVerifier(config.adapterSecrets, () => clock.now());
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<AdapterRequest>();
    if (!request.is('application/json')) {
      this.refused.inc({ reason: 'unsupported_media_type' });
      throw new UnsupportedMediaTypeException('the body must be application/json');
    }
    const check = this.verifier.verify(request.headers, request.rawBody);
    if (!check.ok) {
      this.refused.inc({ reason: check.reason });
      this.logger.warn(`adapter post refused: ${check.reason}`);
      throw new UnauthorizedException('missing, invalid or expired adapter signature');
    }
    const decision = await this.rateLimiter.consume(check.adapterId);
    if (!decision.allowed) {
      this.refused.inc({ reason: 'rate_limited' });
      http.getResponse<Response>().setHeader('Retry-After', String(decision.retryAfterSeconds));
      throw new HttpException(
        { statusCode: 429, error: 'Too Many Requests', message: `rate limit of adapter ${check.adapterId}` },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    request.adapterId = check.adapterId;
    return true;
  }
}

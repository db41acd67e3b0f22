import { Catch, type INestApplication, type RpcExceptionFilter, type Type } from '@nestjs/common';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import { type Observable, throwError } from 'rxjs';

/**
 * Nest's default RPC filter turns every handler error into "Internal server error". The transport
 * needs the original error to tell a retryable failure from a bad message, and to write the reason
 * into the dead-letter headers.
 */
@Catch()
export class PassThroughRpcFilter implements RpcExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/** Connects the transports (taken from the app's container) as microservices of a hybrid app. */
export function connectTransports(
  app: INestApplication,
  transports: readonly Type<CustomTransportStrategy>[],
): void {
  for (const transport of transports) {
    // Deferred, so the filter is in place before the handlers are wrapped.
    app
      .connectMicroservice({ strategy: app.get(transport) }, { deferInitialization: true })
      .useGlobalFilters(new PassThroughRpcFilter());
  }
}

import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line about a piece of work carries. */
export interface WorkContext {
  correlationId: string;
  inquiryId?: string;
  eventId?: string;
}

const storage = new AsyncLocalStorage<WorkContext>();

export function runInContext<T>(context: WorkContext, work: () => T): T {
  return storage.run(context, work);
}

export function currentContext(): WorkContext | undefined {
  return storage.getStore();
}

/** Adds fields (e.g. the inquiry id once it is known) to the running context. */
export function enrichContext(fields: Partial<WorkContext>): void {
  const context = storage.getStore();
  if (context) Object.assign(context, fields);
}

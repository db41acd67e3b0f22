export * from './errors';
export * from './headers';
export * from './tokens';
export * from './messaging.config';
export * from './envelope.factory';
export * from './event.context';
export * from './event.producer';
export * from './topic.admin';
export * from './outbox.service';
export * from './outbox.relay';
export * from './inbox.service';
export {
  afterCommit,
  type AfterCommitBatch,
  type AfterCommitHook,
  afterCommitTogether,
} from './unit-of-work';
export * from './kafka-event.server';
export * from './messaging.migration';
export * from './messaging.module';

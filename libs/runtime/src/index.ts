export * from './config';
export * from './context';
export * from './tokens';
export * from './readiness.registry';
export * from './metrics';
export * from './runtime.module';
export * from './transports';
export * from './bootstrap';

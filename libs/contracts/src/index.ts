export * from './enums';
export * from './schemas';
export * from './topics';
export * from './envelope';

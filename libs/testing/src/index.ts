export * from './ids';
export * from './wait';
export * from './infrastructure';
export * from './topic-reader';
export * from './processes';
export * from './tcp-proxy';
export * from './service';
export * from './ports';

/** The settings schema and what derives from it. */
export * from './schema';
export * from './config';
export * from './query';

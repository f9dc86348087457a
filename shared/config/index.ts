export * from './compile';
export * from './interpolate';
export * from './schema';
export * from './secrets';

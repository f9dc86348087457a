export * from './cache';
export * from './errors';
export * from './refs';

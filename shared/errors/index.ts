export * from './app-error';
export * from './codes';
export * from './problem';

export * from './frames.ts';
export * from './registration.ts';

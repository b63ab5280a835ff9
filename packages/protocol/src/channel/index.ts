export * from './frames.ts';
export * from './registration.ts';
export * from './agent-versions.ts';

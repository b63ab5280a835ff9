export * from './errors.ts';
export type * from './model.ts';
export * from './arn.ts';
export * from './validate.ts';
export * from './redact.ts';
export * from './json.ts';
export * from './query.ts';
export * from './generated/index.ts';
export * from './channel/index.ts';

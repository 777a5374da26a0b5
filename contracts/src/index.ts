export * from './common.schema.ts';
export * from './auth.schema.ts';
export * from './exam.schema.ts';
export * from './copy.schema.ts';

export * from './common.schema.ts';
export * from './auth.schema.ts';
export * from './exam.schema.ts';
export * from './copy.schema.ts';
export * from './upload.schema.ts';
export * from './student.schema.ts';
export * from './regrade.schema.ts';
export * from './workflow.schema.ts';

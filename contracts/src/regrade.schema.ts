import { z } from 'zod';
import { Id, IsoTime, UserRef } from './common.schema.ts';
import { StudentRef } from './copy.schema.ts';

export const RegradeStatus = z.enum(['OPEN', 'ANSWERED']);

export const RegradeRequest = z.object({
  id: Id,
  copyId: Id,
  anonymousCode: z.string(),
  question: z.object({ id: Id, label: z.string() }),
  message: z.string(),
  status: RegradeStatus,
  answer: z.string().nullable(),
  answeredBy: UserRef.nullable(),
  answeredAt: IsoTime.nullable(),
  createdAt: IsoTime,
  /** null for teachers of an anonymous exam, and in the student's own view */
  student: StudentRef.nullable(),
});
export type RegradeRequest = z.infer<typeof RegradeRequest>;

export const CreateRegradeBody = z.object({
  questionId: Id,
  message: z.string().trim().min(1).max(2000),
});
export const RegradeListQuery = z.object({ status: RegradeStatus.optional() });
/** `reopen: true` also moves the copy GRADED → READY (state machine), in the same transaction as the answer. */
export const AnswerRegradeBody = z.object({
  message: z.string().trim().min(1).max(2000),
  reopen: z.boolean().optional(),
});

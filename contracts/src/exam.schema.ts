import { z } from 'zod';
import { Hundredths, Id, IsoTime, UserRef, page } from './common.schema.ts';

export const CopyStatus = z.enum([
  'STAGING',
  'READY',
  'LOCKED',
  'GRADING_IN_PROGRESS',
  'GRADED',
  'GRADING_FAILED',
  'MERGED',
]);
export type CopyStatus = z.infer<typeof CopyStatus>;

export interface QuestionInput {
  id?: string;
  label: string;
  maxPoints?: number;
  children?: QuestionInput[];
}
/** A scale node: an exercise with children (its max is the sum of theirs) or a gradable leaf with maxPoints. */
export const QuestionInput: z.ZodType<QuestionInput> = z.lazy(() =>
  z.object({
    id: Id.optional(),
    label: z.string().trim().min(1).max(200),
    maxPoints: Hundredths.optional(),
    children: z.array(QuestionInput).max(100).optional(),
  }),
);

export const Question = z.object({
  id: Id,
  parentId: Id.nullable(),
  label: z.string(),
  maxPoints: z.number().int(),
  position: z.number().int(),
  /** only leaves carry scores */
  isLeaf: z.boolean(),
});
export type Question = z.infer<typeof Question>;

export const Exam = z.object({
  id: Id,
  title: z.string(),
  examDate: z.string().nullable(),
  pagesPerCopy: z.number().int(),
  anonymous: z.boolean(),
  resultsReleasedAt: IsoTime.nullable(),
  archivedAt: IsoTime.nullable(),
  createdAt: IsoTime,
  questions: z.array(Question),
  maxTotal: z.number().int(),
  counts: z.record(z.string(), z.number().int()),
  correctors: z.array(UserRef),
  /** the teacher who runs this exam (admin rights on it only); null when only the exam office runs it */
  owner: UserRef.nullable(),
});
export type Exam = z.infer<typeof Exam>;

const DateOnly = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
export const CreateExamBody = z.object({
  title: z.string().trim().min(1).max(300),
  examDate: DateOnly.nullable().optional(),
  pagesPerCopy: z.number().int().min(1).max(500),
  anonymous: z.boolean().optional(),
  questions: z.array(QuestionInput).max(200).default([]),
});
export const UpdateExamBody = z.object({
  title: z.string().trim().min(1).max(300).optional(),
  examDate: DateOnly.nullable().optional(),
  pagesPerCopy: z.number().int().min(1).max(500).optional(),
  anonymous: z.boolean().optional(),
  questions: z.array(QuestionInput).max(200).optional(),
  /** admins only: hands the exam to a teacher (or back to the exam office with null) */
  ownerId: Id.nullable().optional(),
});
export const ExamResponse = z.object({ exam: Exam });
export type ExamResponse = z.infer<typeof ExamResponse>;
/** GET /exams: every exam the caller may see, in one page (nextCursor is always null) */
export const ExamPage = page(Exam);
export type ExamPage = z.infer<typeof ExamPage>;
export const ExamListQuery = z.object({ archived: z.enum(['true', 'false', 'all']).default('false') });
export const CorrectorsBody = z.object({ userIds: z.array(Id).max(500) });

import { z } from 'zod';

export const ErrorCode = z.enum([
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'INVALID_STATE',
  'LOCKED_BY_OTHER',
  'LOCK_REQUIRED',
  'VERSION_CONFLICT',
  'DRAFT_CONFLICT',
  'EXAM_HAS_COPIES',
  'GRADING_STARTED',
  'STUDENT_ALREADY_HAS_COPY',
  'INVALID_PDF',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'INCOMPLETE_SCORES',
  'PASSWORD_CHANGE_REQUIRED',
  'CONFLICT',
  'REGRADE_DEADLINE_PASSED',
  'RUBRIC_GROUP_CONFLICT',
  'RUBRIC_ITEM_IN_USE',
  'RUBRIC_ITEM_RETIRED',
  'RUBRIC_APPLIED',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** RFC 9457 problem JSON, plus the stable `code` and extra fields per code (currentStatus, owner, current…). */
export const Problem = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: ErrorCode,
  detail: z.string(),
});
export type Problem = z.infer<typeof Problem>;

/** 409 INCOMPLETE_SCORES: the leaf questions with neither a score nor a "not scored" mark, in scale order. */
export const IncompleteScoresProblem = Problem.extend({ code: z.literal('INCOMPLETE_SCORES'), unscored: z.array(z.string()) });
export type IncompleteScoresProblem = z.infer<typeof IncompleteScoresProblem>;

export const Id = z.string().min(1).max(64);
export const IsoTime = z.string();
/** Points are integers in hundredths everywhere (12.5 points = 1250). */
export const Hundredths = z.number().int().min(0).max(100_000_000);

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});
export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const UserRef = z.object({ id: Id, displayName: z.string() });
export type UserRef = z.infer<typeof UserRef>;

import { z } from 'zod';
import { Id, IsoTime, UserRef } from './common.schema.ts';
import { CopyStatus } from './exam.schema.ts';
import { StudentRef } from './copy.schema.ts';
import { RegradeRequest } from './regrade.schema.ts';

// ---------------------------------------------------------------- identification

export const IdentifyBody = z.object({ studentId: Id });
export const IdentifyResponse = z.object({ copyId: Id, student: StudentRef.nullable() });

export const IdentificationQuery = z.object({
  /** `unidentified` (default): the work queue of the identification desk */
  filter: z.enum(['unidentified', 'identified', 'all']).default('unidentified'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});
export const IdentificationItem = z.object({
  id: Id,
  anonymousCode: z.string(),
  status: CopyStatus,
  pageCount: z.number().int(),
  /** page 0 image; the desk shows its top band (`headerCrop`, fractions of the page) large */
  headerImageUrl: z.string().nullable(),
  student: StudentRef.nullable(),
});
export const IdentificationList = z.object({
  items: z.array(IdentificationItem),
  nextCursor: z.string().nullable(),
  counts: z.object({ identified: z.number().int(), unidentified: z.number().int() }),
  headerCrop: z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }),
});

// ---------------------------------------------------------------- dispatch

/**
 * Without `rebalance`: hands out unassigned READY copies round-robin, least-loaded corrector first.
 * With `rebalance`: also moves untouched READY copies (no scores, annotations or live lease) from the most to
 * the least loaded correctors, and takes them back from users who are no longer correctors.
 */
/** The body may be omitted. */
export const DispatchBody = z.object({ rebalance: z.boolean().optional() }).nullish();
export const DispatchResponse = z.object({
  /** copies that had no corrector and got one */
  assigned: z.number().int(),
  /** copies moved from one corrector to another (rebalance only) */
  moved: z.number().int(),
  /** copies of the exam per corrector after the dispatch */
  loads: z.array(z.object({ user: UserRef, count: z.number().int() })),
});
export const AssigneeBody = z.object({ userId: Id.nullable() });
export const AssigneeResponse = z.object({ copyId: Id, assignedTo: UserRef.nullable() });

// ---------------------------------------------------------------- exports

export const ExportQuery = z.object({
  format: z.enum(['plain', 'pronote']).default('plain'),
  /** rescale totals to /scale (e.g. 20); rounded half-up to hundredths */
  scale: z.coerce.number().int().min(1).max(1000).optional(),
});

// ---------------------------------------------------------------- statistics

const Hundredths = z.number();
export const Distribution = z.object({
  count: z.number().int(),
  /** hundredths of a point, rounded to 2 decimals; null when count is 0 */
  mean: Hundredths.nullable(),
  median: Hundredths.nullable(),
  /** population standard deviation (divides by n: the graded copies are the whole class, not a sample) */
  sd: Hundredths.nullable(),
  min: z.number().int().nullable(),
  max: z.number().int().nullable(),
  /** equal-width bins over [0, maxPoints]; `to` is exclusive except in the last bin */
  histogram: z.array(z.object({ from: z.number(), to: z.number(), count: z.number().int() })),
});
export const StatsQuery = z.object({ bins: z.coerce.number().int().min(1).max(100).default(10) });
export const ExamStats = z.object({
  examId: Id,
  maxTotal: z.number().int(),
  /** copies of the exam (merged ones excluded) and, of those, GRADED ones (the only ones counted) */
  copies: z.number().int(),
  graded: z.number().int(),
  /** students without a copy, left out of every average and distribution (attendance of the exam) */
  excluded: z.object({ absent: z.number().int(), excused: z.number().int(), exempt: z.number().int() }),
  /** totals over the scored questions; a graded copy with no scored question at all has no total and is left out */
  total: Distribution,
  /** graded copies with at least one question left "not scored" */
  notScoredCopies: z.number().int(),
  questions: z.array(
    Distribution.extend({
      id: Id,
      parentId: Id.nullable(),
      label: z.string(),
      maxPoints: z.number().int(),
      isLeaf: z.boolean(),
      /** graded copies where this question (or, for an exercise, one of its questions) was left "not scored": not in the distribution */
      notScored: z.number().int(),
    }),
  ),
  /** by the copy's assigned corrector (or its submitter when unassigned); `user` null = nobody */
  correctors: z.array(Distribution.extend({ user: UserRef.nullable() })),
});
export type ExamStats = z.infer<typeof ExamStats>;

// ---------------------------------------------------------------- students' portal

export const MyCopy = z.object({
  id: Id,
  exam: z.object({ id: Id, title: z.string(), examDate: z.string().nullable() }),
  status: CopyStatus,
  total: z.number().int(),
  maxTotal: z.number().int(),
  gradedAt: IsoTime.nullable(),
  releasedAt: IsoTime,
  finalPdfUrl: z.string(),
  questions: z.array(
    z.object({
      id: Id,
      parentId: Id.nullable(),
      label: z.string(),
      maxPoints: z.number().int(),
      isLeaf: z.boolean(),
      /** leaves: the score (0 when none was given, or when left "not scored"); exercises: the sum of their scored leaves */
      points: z.number().int(),
      /** leaves: explicitly left "not scored" by the teacher; exercises: every question below was */
      notScored: z.boolean(),
      comment: z.string().nullable(),
      /** the rubric items applied on the question, as applied (issue 13): label, comment for the student, points in hundredths */
      rubric: z.array(z.object({ label: z.string(), comment: z.string(), points: z.number().int(), kind: z.enum(['DELTA', 'ABSOLUTE']) })).optional(),
    }),
  ),
  /** labels of the questions left "not scored" (the total is over the others), in scale order */
  notScored: z.array(z.string()),
  /**
   * The copy was reopened after the release. UNDER_REVIEW: what is shown above (total, questions, PDF) is the
   * released result, until the new one is final. REVIEWED: the new result is shown; `changes` lists every
   * question whose points changed, and `previousTotal` the total before.
   */
  review: z
    .object({
      status: z.enum(['UNDER_REVIEW', 'REVIEWED']),
      reopenedAt: IsoTime,
      previousTotal: z.number().int(),
      changes: z.array(z.object({ questionId: Id, label: z.string(), before: z.number().int(), after: z.number().int() })),
    })
    .nullable(),
  /** after it no more regrade requests; null: no deadline */
  regradeDeadline: IsoTime.nullable(),
  /** the student may ask now: the copy is not under review and the deadline has not passed */
  canRequestRegrade: z.boolean(),
  regradeRequests: z.array(RegradeRequest),
});
export const MyCopiesResponse = z.object({ items: z.array(MyCopy) });

import { z } from 'zod';
import { Hundredths, Id, IsoTime, UserRef, page } from './common.schema.ts';
import { CopyStatus } from './exam.schema.ts';

export const AnnotationType = z.enum(['COMMENT', 'HIGHLIGHT', 'TICK', 'CROSS', 'SCORE', 'FREEHAND']);
export type AnnotationType = z.infer<typeof AnnotationType>;

export const StudentRef = z.object({
  id: Id,
  studentNumber: z.string(),
  lastName: z.string(),
  firstName: z.string(),
  className: z.string().nullable(),
});
export type StudentRef = z.infer<typeof StudentRef>;

export const LockInfo = z.object({ owner: UserRef, expiresAt: IsoTime });

export const CopySummary = z.object({
  id: Id,
  examId: Id,
  anonymousCode: z.string(),
  status: CopyStatus,
  /** null when hidden from this viewer (anonymous grading) or not identified */
  student: StudentRef.nullable(),
  assignedTo: UserRef.nullable(),
  lock: LockInfo.nullable(),
  pageCount: z.number().int(),
  total: z.number().int().nullable(),
  finalScore: z.number().int().nullable(),
  flagged: z.string().nullable(),
  updatedAt: IsoTime,
});
export type CopySummary = z.infer<typeof CopySummary>;
/** GET /exams/:id/copies */
export const CopyPage = page(CopySummary);
export type CopyPage = z.infer<typeof CopyPage>;

export const Page = z.object({ position: z.number().int(), imageUrl: z.string(), widthPx: z.number().int(), heightPx: z.number().int() });
export type Page = z.infer<typeof Page>;

const Unit = z.number().min(0).max(1);
const StrokePoints = z.array(z.tuple([Unit, Unit])).min(1).max(5000);

export const Annotation = z.object({
  id: Id,
  copyId: Id,
  pagePosition: z.number().int(),
  x: z.number(),
  y: z.number(),
  w: z.number(),
  h: z.number(),
  type: AnnotationType,
  content: z.string().nullable(),
  points: z.array(z.tuple([z.number(), z.number()])).nullable(),
  scoreDelta: z.number().int().nullable(),
  questionId: Id.nullable(),
  createdBy: Id,
  version: z.number().int(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type Annotation = z.infer<typeof Annotation>;

export const Score = z.object({
  questionId: Id,
  points: z.number().int(),
  comment: z.string().nullable(),
  version: z.number().int(),
  updatedBy: Id,
  updatedAt: IsoTime,
});
export type Score = z.infer<typeof Score>;

export const CopyDetail = CopySummary.extend({
  pages: z.array(Page),
  annotations: z.array(Annotation),
  scores: z.array(Score),
  /** leaf questions explicitly marked "not scored" (submit/finalize with allowUnscored); a score removes the mark */
  notScored: z.array(Id),
  /** every exercise (a question with sub-questions): the sum of its scored questions (null: none scored yet), how many are below it, how many left "not scored" */
  subtotals: z.array(z.object({ questionId: Id, points: z.number().int().nullable(), leaves: z.number().int(), notScored: z.number().int() })),
  lockedBy: UserRef.nullable(),
  gradedAt: IsoTime.nullable(),
  gradingError: z.string().nullable(),
  hasFinalPdf: z.boolean(),
  rowVersion: z.number().int(),
  job: z.object({ id: Id, status: z.string(), attempts: z.number().int(), lastError: z.string().nullable() }).nullable(),
});
export type CopyDetail = z.infer<typeof CopyDetail>;

export const CopyListQuery = z.object({
  status: CopyStatus.optional(),
  assignedTo: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});

export const GradingEvent = z.object({
  id: Id,
  action: z.string(),
  actor: UserRef.nullable(),
  metadata: z.record(z.string(), z.unknown()),
  createdAt: IsoTime,
});
export type GradingEvent = z.infer<typeof GradingEvent>;
/** GET /copies/:id/events: the copy's whole history, oldest first */
export const GradingEventList = z.object({ items: z.array(GradingEvent) });
export type GradingEventList = z.infer<typeof GradingEventList>;

// ---- grading writes
/** `questionId`: the question a question lease covers; null for a whole-copy lease (issue 13). */
export const LockResponse = z.object({ token: z.string(), expiresAt: IsoTime, owner: UserRef, questionId: Id.nullable().optional() });
export type LockResponse = z.infer<typeof LockResponse>;
export const HeartbeatResponse = z.object({ expiresAt: IsoTime });
export type HeartbeatResponse = z.infer<typeof HeartbeatResponse>;

export const Draft = z.object({ payload: z.unknown(), version: z.number().int(), clientId: z.string().nullable(), updatedAt: IsoTime });
export type Draft = z.infer<typeof Draft>;
/** PUT /copies/:id/draft: the saved draft's new version */
export const DraftSaved = z.object({ version: z.number().int() });
export type DraftSaved = z.infer<typeof DraftSaved>;
export const AnnotationResponse = z.object({ annotation: Annotation });
export type AnnotationResponse = z.infer<typeof AnnotationResponse>;
export const ScoreResponse = z.object({ score: Score });
export type ScoreResponse = z.infer<typeof ScoreResponse>;
export const PutDraftBody = z.object({
  payload: z.unknown().refine((v) => v !== undefined, 'payload is required'),
  baseVersion: z.number().int().min(0),
  clientId: z.string().max(100).optional(),
});

const GeometryFields = { x: Unit, y: Unit, w: Unit, h: Unit };
export const CreateAnnotationBody = z.object({
  pagePosition: z.number().int().min(0),
  ...GeometryFields,
  type: AnnotationType,
  content: z.string().max(5000).nullable().optional(),
  points: StrokePoints.nullable().optional(),
  scoreDelta: z.number().int().min(-100_000_000).max(100_000_000).nullable().optional(),
  questionId: Id.nullable().optional(),
});
export const PatchAnnotationBody = z.object({
  version: z.number().int().min(1),
  pagePosition: z.number().int().min(0).optional(),
  x: Unit.optional(),
  y: Unit.optional(),
  w: Unit.optional(),
  h: Unit.optional(),
  content: z.string().max(5000).nullable().optional(),
  points: StrokePoints.nullable().optional(),
  scoreDelta: z.number().int().min(-100_000_000).max(100_000_000).nullable().optional(),
  questionId: Id.nullable().optional(),
});
export const DeleteAnnotationQuery = z.object({ version: z.coerce.number().int().min(1) });
export const PutScoreBody = z.object({
  points: Hundredths,
  comment: z.string().max(5000).nullable().optional(),
  version: z.number().int().min(1).optional(),
});
/**
 * Body of submit and finalize; it may be omitted. Without `allowUnscored`, a copy with a leaf question that has
 * neither a score nor a "not scored" mark is refused with 409 INCOMPLETE_SCORES; with it, each such question is
 * marked "not scored" (with a QUESTION_NOT_SCORED event) in the same transaction as the transition.
 */
export const CompleteCopyBody = z.object({ allowUnscored: z.boolean().optional() }).nullish();
export const SubmitBody = CompleteCopyBody;
export const FinalizeBody = CompleteCopyBody;
/** 200 when the copy is already GRADED; 202 while its final PDF is being made (`jobId`: the flatten job) */
export const FinalizeResponse = z.object({ status: CopyStatus, jobId: Id.optional() });
export type FinalizeResponse = z.infer<typeof FinalizeResponse>;
/** submit, unlock, reopen, validate: the copy's new status */
export const CopyStatusResponse = z.object({ status: CopyStatus });
export type CopyStatusResponse = z.infer<typeof CopyStatusResponse>;

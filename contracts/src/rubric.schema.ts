import { z } from 'zod';
import { Id, IsoTime, UserRef } from './common.schema.ts';
import { CopyStatus } from './exam.schema.ts';
import { Annotation, Score } from './copy.schema.ts';

/**
 * Rubrics and question-by-question grading (API.md "Rubrics and question leases (v1.1)", issue 13).
 *
 * Score of a question graded with rubric items (all values in hundredths):
 *   base  = the one applied ABSOLUTE item's points if any, else 0 (ADDITIVE, FREE) or the question's max (SUBTRACTIVE)
 *   items = clamp(base + Σ applied DELTA items' points, 0, max)
 *   score = clamp(items + adjustment, 0, max)
 * Items of one `group` exclude each other on a copy ("pick one"), and at most one ABSOLUTE item applies.
 */
export const ScoringMode = z.enum(['FREE', 'ADDITIVE', 'SUBTRACTIVE']);
export type ScoringMode = z.infer<typeof ScoringMode>;
export const RubricItemKind = z.enum(['DELTA', 'ABSOLUTE']);
export type RubricItemKind = z.infer<typeof RubricItemKind>;

/** Signed hundredths (−1 point = −100). */
export const SignedHundredths = z.number().int().min(-100_000_000).max(100_000_000);
const GroupName = z.string().trim().min(1).max(100);

export const RubricItem = z.object({
  id: Id,
  examId: Id,
  questionId: Id,
  label: z.string(),
  /** shown to the student (final PDF, portal) */
  comment: z.string(),
  points: SignedHundredths,
  kind: RubricItemKind,
  /** items sharing a group are "pick one" on a copy */
  group: z.string().nullable(),
  order: z.number().int(),
  version: z.number().int(),
  /** a retired item is kept (copies use it) but offered no more */
  retiredAt: IsoTime.nullable(),
  /** copies (any status) where it is applied */
  usage: z.number().int(),
  createdBy: Id,
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type RubricItem = z.infer<typeof RubricItem>;

export const Region = z.object({
  pagePosition: z.number().int().min(0),
  x: z.number().min(0).max(1),
  y: z.number().min(0).max(1),
  w: z.number().min(0).max(1),
  h: z.number().min(0).max(1),
});
export type Region = z.infer<typeof Region>;
export const PutRegionBody = z.object({ region: Region.nullable() });
export const PutScoringModeBody = z.object({ mode: ScoringMode });
export const QuestionSettings = z.object({ questionId: Id, mode: ScoringMode, region: Region.nullable() });
export type QuestionSettings = z.infer<typeof QuestionSettings>;
export const RubricItemList = z.object({
  items: z.array(RubricItem),
  /** every leaf question's scoring mode and region (additive to API.md's `{items}`) */
  questions: z.array(QuestionSettings),
});
export type RubricItemList = z.infer<typeof RubricItemList>;
export const RubricItemListQuery = z.object({
  questionId: Id.optional(),
  /** 'false': live items only (default: retired ones too, with `retiredAt` set) */
  retired: z.enum(['true', 'false']).default('true'),
});

export const CreateRubricItemBody = z.object({
  questionId: Id,
  label: z.string().trim().min(1).max(200),
  comment: z.string().max(5000).optional(),
  points: SignedHundredths,
  kind: RubricItemKind.optional(),
  group: GroupName.nullable().optional(),
  order: z.number().int().min(0).max(10_000).optional(),
});
export const RubricItemResponse = z.object({ item: RubricItem });
export type RubricItemResponse = z.infer<typeof RubricItemResponse>;

/** The fields an edit may change (PATCH and preview). `retired: true` retires the item, `false` brings it back. */
export const RubricItemChanges = z.object({
  label: z.string().trim().min(1).max(200).optional(),
  comment: z.string().max(5000).optional(),
  points: SignedHundredths.optional(),
  kind: RubricItemKind.optional(),
  group: GroupName.nullable().optional(),
  order: z.number().int().min(0).max(10_000).optional(),
  retired: z.boolean().optional(),
});
export const PatchRubricItemBody = RubricItemChanges.extend({ version: z.number().int().min(1) });
export const PreviewRubricItemBody = RubricItemChanges;

/** One copy an edit changes: its question score and total before → after. */
export const RubricCopyChange = z.object({
  copyId: Id,
  anonymousCode: z.string(),
  status: CopyStatus,
  before: z.object({ points: z.number().int(), total: z.number().int() }),
  after: z.object({ points: z.number().int(), total: z.number().int() }),
});
/** Histogram of the exam's totals (in hundredths): `bins[i]` counts totals in [i·width, (i+1)·width), the last bin includes maxTotal. */
export const TotalsHistogram = z.object({ binWidth: z.number().int(), bins: z.array(z.number().int()) });

/**
 * Preview (and the body of a PATCH's 200): `copies` are changed by the edit; `graded` are GRADED copies that use
 * the item and are NOT changed (an admin reopens them; their before/after tell what the edit would do).
 * `leased`: copies in `copies` whose lease another corrector holds (they get the change).
 */
export const RubricEditEffect = z.object({
  copies: z.array(RubricCopyChange),
  graded: z.array(RubricCopyChange),
  leased: z.array(z.object({ copyId: Id, owner: UserRef })),
  histogram: z.object({ before: TotalsHistogram, after: TotalsHistogram }),
  usage: z.number().int(),
});
export type RubricEditEffect = z.infer<typeof RubricEditEffect>;
export type RubricCopyChange = z.infer<typeof RubricCopyChange>;
export const PatchRubricItemResponse = RubricEditEffect.extend({ item: RubricItem });
export type PatchRubricItemResponse = z.infer<typeof PatchRubricItemResponse>;

export const AppliedItemInput = z.object({
  itemId: Id,
  pagePosition: z.number().int().min(0).optional(),
  x: z.number().min(0).max(1).optional(),
  y: z.number().min(0).max(1).optional(),
});
export const PutRubricBody = z.object({
  /** the question's score version; 0 when it has no score yet */
  version: z.number().int().min(0),
  applied: z.array(AppliedItemInput).max(100),
  /** signed hundredths added after the items (default 0) */
  adjustment: SignedHundredths.optional(),
});
export const AppliedItem = z.object({
  itemId: Id,
  label: z.string(),
  comment: z.string(),
  points: z.number().int(),
  kind: RubricItemKind,
  /** the badge annotation drawn on the page, when the item was placed there */
  annotationId: Id.nullable(),
  pagePosition: z.number().int().nullable(),
  x: z.number().nullable(),
  y: z.number().nullable(),
});
export type AppliedItem = z.infer<typeof AppliedItem>;
export const QuestionRubricState = z.object({
  copyId: Id,
  questionId: Id,
  mode: ScoringMode,
  applied: z.array(AppliedItem),
  adjustment: z.number().int(),
  /** null: no score yet */
  score: Score.nullable(),
  /** the copy's badges of this question (annotations linked to rubric items) */
  badges: z.array(Annotation),
});
export const PutRubricResponse = QuestionRubricState;
/** GET /copies/:id/rubric: the applied items of every question of the copy. */
export const CopyRubricResponse = z.object({ questions: z.array(QuestionRubricState) });
export type CopyRubricResponse = z.infer<typeof CopyRubricResponse>;
export type QuestionRubricState = z.infer<typeof QuestionRubricState>;

// ---- question leases
export const LockBody = z.object({ questionId: Id.optional() }).nullish();

// ---- question mode
export const QuestionSettingsList = z.object({ questions: z.array(QuestionSettings) });

export const NextCopyResponse = z.object({
  copy: z.object({ id: Id, anonymousCode: z.string(), status: CopyStatus }),
  questionId: Id,
  /** where the question is answered (null: the whole copy) */
  region: Region.nullable(),
  /** copies of the exam not yet scored on this question that the caller could still take (this one included) */
  remaining: z.number().int(),
});
export type NextCopyResponse = z.infer<typeof NextCopyResponse>;

// ---- dispatch by question
export const QuestionAssignment = z.object({ userId: Id, quota: z.number().int().min(1).max(100_000).nullable().optional() });
export const PutQuestionCorrectorsBody = z.object({ assignments: z.array(QuestionAssignment).max(500) });
export const QuestionCorrectors = z.object({
  questionId: Id,
  assignments: z.array(z.object({ user: UserRef, quota: z.number().int().nullable() })),
});
export const QuestionCorrectorsList = z.object({ questions: z.array(QuestionCorrectors) });
export type QuestionCorrectorsList = z.infer<typeof QuestionCorrectorsList>;

export const QuestionProgress = z.object({
  questionId: Id,
  label: z.string(),
  /** copies that count (not STAGING, not MERGED) */
  copies: z.number().int(),
  scored: z.number().int(),
  notScored: z.number().int(),
  byCorrector: z.array(z.object({ user: UserRef, scored: z.number().int(), quota: z.number().int().nullable(), assigned: z.boolean() })),
});
export const ExamProgress = z.object({
  questions: z.array(QuestionProgress),
  /** per corrector, over all questions */
  correctors: z.array(z.object({ user: UserRef, scored: z.number().int() })),
  /** READY copies whose every question is scored (batch finalize takes these) */
  complete: z.number().int(),
});
export type ExamProgress = z.infer<typeof ExamProgress>;

export const FinalizeCompleteResponse = z.object({
  finalized: z.array(z.object({ copyId: Id, jobId: Id })),
  skipped: z.array(z.object({ copyId: Id, reason: z.enum(['LEASED', 'INCOMPLETE']) })),
});
export type FinalizeCompleteResponse = z.infer<typeof FinalizeCompleteResponse>;

/** 204 responses of these routes (no body). */

export const DeleteRubricItemQuery = z.object({ version: z.coerce.number().int().min(1) });
export const NextCopyQuery = z.object({ after: Id.optional() });

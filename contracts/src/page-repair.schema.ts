/**
 * Repairing a scanned stack (DESIGN.md §9 "Pages are conserved"): every page of an upload stays one row for ever,
 * in exactly one copy or in the upload's removed-pages bin. Each operation names the `version` (the copy's
 * `rowVersion`) of every copy it changes; a stale version is 409 VERSION_CONFLICT with the copy's current state.
 */
import { z } from 'zod';
import { Id, IsoTime } from './common.schema.ts';
import { CopyStatus } from './exam.schema.ts';
import { UploadInfo } from './upload.schema.ts';

/** Clockwise degrees. */
export const Rotation = z.union([z.literal(0), z.literal(90), z.literal(180), z.literal(270)]);
export type Rotation = z.infer<typeof Rotation>;

const Version = z.number().int().min(1);
const Position = z.number().int().min(0).max(100_000);

export const PageParams = z.object({ id: Id, position: z.coerce.number().int().min(0).max(100_000) });

/** Turns the page by `by` degrees clockwise, on top of its current rotation. */
export const RotatePageBody = z.object({ version: Version, by: z.union([z.literal(90), z.literal(180), z.literal(270)]) });
/** Reorder (toCopyId omitted or the same copy) or move to another copy of the exam, at `toPosition` (default: last). */
export const MovePageBody = z.object({ version: Version, toCopyId: Id.optional(), toVersion: Version.optional(), toPosition: Position.optional() });
/** The pages from `atPosition` on become a new STAGING copy. */
export const SplitCopyBody = z.object({ version: Version, atPosition: z.number().int().min(1).max(100_000) });
export const RemovePageBody = z.object({ version: Version });
/** Back from the bin into a copy, at `toPosition` (default: last). */
export const RestorePageBody = z.object({ toCopyId: Id, toVersion: Version, toPosition: Position.optional() });
export const BinPageParams = z.object({ id: Id, sourcePage: z.coerce.number().int().min(0).max(100_000) });

/**
 * Why a page or copy deserves a look. ROTATED compares the page's shape (after its rotation) with the shape most of
 * the upload's pages have: it finds sideways pages, not upside-down ones.
 */
export const PageFlag = z.enum(['BLANK', 'ROTATED']);
export const CopyFlag = z.enum(['INCOMPLETE', 'TOO_LONG', 'UNIDENTIFIED']);

export const ReviewPage = z.object({
  id: Id,
  uploadId: Id.nullable(),
  /** index of the page in its scan, from 0: the page's identity */
  sourcePage: z.number().int(),
  position: z.number().int().nullable(),
  rotation: Rotation,
  widthPx: z.number().int(),
  heightPx: z.number().int(),
  /** share of dark pixels, null until measured */
  inkCoverage: z.number().nullable(),
  flags: z.array(PageFlag),
  /** rotation applied; changes whenever the page's image or rotation does */
  imageUrl: z.string(),
  removedAt: IsoTime.nullable(),
  removedFromCopyId: Id.nullable(),
});
export type ReviewPage = z.infer<typeof ReviewPage>;

export const ReviewCopy = z.object({
  id: Id,
  anonymousCode: z.string(),
  status: CopyStatus,
  rowVersion: z.number().int(),
  /** student name for the admin, who does the review */
  student: z.object({ id: Id, lastName: z.string(), firstName: z.string(), studentNumber: z.string() }).nullable(),
  flagged: z.string().nullable(),
  flags: z.array(CopyFlag),
  /** structural edits allowed (STAGING, or READY with no grading yet) */
  editable: z.boolean(),
  /** rotation allowed (until finalize) */
  rotatable: z.boolean(),
  pages: z.array(ReviewPage),
});
export type ReviewCopy = z.infer<typeof ReviewCopy>;

/** `GET /uploads/:id/review`: the upload's copies in scan order, and its bin. */
export const UploadReview = z.object({
  upload: UploadInfo,
  pagesPerCopy: z.number().int(),
  copies: z.array(ReviewCopy),
  bin: z.array(ReviewPage),
  /** a page with less ink than this share of its area is flagged BLANK */
  blankThreshold: z.number(),
});
export type UploadReview = z.infer<typeof UploadReview>;

/** Every page operation answers with the new state of the copies it changed (and the bin when it changed). */
export const PageRepairResponse = z.object({ copies: z.array(ReviewCopy), bin: z.array(ReviewPage).optional() });
export type PageRepairResponse = z.infer<typeof PageRepairResponse>;

import { z } from 'zod';
import { Id, IsoTime, page } from './common.schema.ts';
import { CopyDetail } from './copy.schema.ts';

/** BATCH: a stack of copies cut every `pagesPerCopy` pages. SINGLE: the whole file is one copy. */
export const UploadMode = z.enum(['BATCH', 'SINGLE']);
export type UploadMode = z.infer<typeof UploadMode>;

export const UploadStatus = z.enum(['PENDING', 'PROCESSING', 'DONE', 'FAILED']);
export type UploadStatus = z.infer<typeof UploadStatus>;

/** `POST /exams/:id/uploads?mode=` — the body is the raw PDF (`Content-Type: application/pdf`). */
export const UploadQuery = z.object({ mode: UploadMode.default('BATCH') });

/** 202: the scan is stored; its pages are cut into copies in the background (follow GET /uploads/:id) */
export const UploadCreated = z.object({ upload: z.object({ id: Id, status: UploadStatus }) });
export type UploadCreated = z.infer<typeof UploadCreated>;

/** `GET /uploads/:id`: progress is pagesDone / pageCount; copyIds are filled once the upload is DONE. */
export const UploadInfo = z.object({
  id: Id,
  examId: Id,
  mode: UploadMode,
  status: UploadStatus,
  pageCount: z.number().int(),
  pagesDone: z.number().int(),
  error: z.string().nullable(),
  copyIds: z.array(Id),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type UploadInfo = z.infer<typeof UploadInfo>;
/** GET /exams/:id/uploads: every upload of the exam, in one page (nextCursor is always null) */
export const UploadList = page(UploadInfo);
export type UploadList = z.infer<typeof UploadList>;

/** Staple: the first copy keeps its id and receives the pages of the others, in this order. */
export const MergeCopiesBody = z.object({
  copyIds: z
    .array(Id)
    .min(2)
    .max(50)
    .refine((ids) => new Set(ids).size === ids.length, 'a copy appears twice'),
});
export const MergeCopiesResponse = z.object({ copy: CopyDetail });
export type MergeCopiesResponse = z.infer<typeof MergeCopiesResponse>;

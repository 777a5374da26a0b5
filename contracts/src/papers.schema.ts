/**
 * Printed papers (issue 17): booklets whose every page carries a code (exam, paper, page), and the question paper
 * printed behind their answer pages.
 */
import { z } from 'zod';
import { IsoTime } from './common.schema.ts';

/** Exactly one of `class` (one named booklet per student of that class) and `count` (anonymous booklets). */
export const PapersQuery = z
  .object({
    class: z.string().trim().min(1).max(100).optional(),
    count: z.coerce.number().int().min(1).max(500).optional(),
    /** answer pages per booklet after the cover; default: the exam's pages per copy */
    pages: z.coerce.number().int().min(1).max(40).optional(),
    lang: z.enum(['fr', 'en']).optional(),
  })
  .refine((q) => (q.class === undefined) !== (q.count === undefined), { message: 'Give either class or count' });
export type PapersQuery = z.infer<typeof PapersQuery>;

/** A binary PDF body, as the OpenAPI document describes it (never serialized as JSON). */
export const PdfFile = z.string().meta({ format: 'binary', description: 'application/pdf' });

export const QuestionPaperInfo = z.object({
  questionPaper: z
    .object({
      pageCount: z.number().int(),
      size: z.number().int(),
      uploadedAt: IsoTime,
    })
    .nullable(),
});
export type QuestionPaperInfo = z.infer<typeof QuestionPaperInfo>;

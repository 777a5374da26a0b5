import { z } from 'zod';
import { CopyDetail, CopySummary } from './copy.schema.ts';
import { Exam } from './exam.schema.ts';

/**
 * `GET /copies/:id/desk`: what the grading desk needs to show a copy, in one request — the copy (as
 * `GET /copies/:id`), its exam (as `GET /exams/:id`) and the copies the desk steps through (as
 * `GET /exams/:id/copies`, a teacher's own assigned ones; merged copies left out).
 */
export const DeskBundle = z.object({ copy: CopyDetail, exam: Exam, siblings: z.array(CopySummary) });
export type DeskBundle = z.infer<typeof DeskBundle>;

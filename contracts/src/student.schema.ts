import { z } from 'zod';
import { Id, IsoTime, page } from './common.schema.ts';

/** A roster entry. `hasAccount` tells whether a STUDENT user was provisioned for it. */
export const Student = z.object({
  id: Id,
  studentNumber: z.string(),
  lastName: z.string(),
  firstName: z.string(),
  email: z.string().nullable(),
  className: z.string().nullable(),
  hasAccount: z.boolean(),
  /** only with `?examId=`: the copy this student already owns in that exam */
  copyInExam: z.object({ copyId: Id, anonymousCode: z.string() }).nullable().optional(),
  updatedAt: IsoTime,
});
export type Student = z.infer<typeof Student>;
/** GET /students */
export const StudentPage = page(Student);
export type StudentPage = z.infer<typeof StudentPage>;

export const StudentListQuery = z.object({
  /** accent- and case-insensitive; every word must match the number, last or first name */
  q: z.string().trim().max(200).optional(),
  className: z.string().trim().max(100).optional(),
  /** annotate each student with its copy in this exam (identification desk) */
  examId: Id.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const ImportRowError = z.object({ line: z.number().int(), message: z.string() });
/** `POST /students/import` (raw text/csv body). Rows whose values did not change count in `unchanged`. */
export const ImportResult = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  errors: z.array(ImportRowError),
  /** header cells that map to no known column (ignored) */
  ignoredColumns: z.array(z.string()),
  encoding: z.enum(['utf-8', 'windows-1252', 'utf-16le']),
  delimiter: z.enum([';', ',', '\t']),
});
export type ImportResult = z.infer<typeof ImportResult>;

/**
 * `POST /students/provision` → text/csv `student_number;email;one_time_password;last_name;first_name;class_name`
 * (the first three columns as ever; name and class appended for printing), or, with `Accept: application/pdf` or
 * `format: "pdf"`, a PDF of printable slips (one per student, 8 per A4 page, cut lines).

 * Default: every student without an account. With `studentIds`, students that already have an account are
 * skipped unless `reset` is true (a new one-time password replaces the old one and their sessions end).
 * The body may be omitted.
 */
export const ProvisionBody = z.object({
  studentIds: z.array(Id).min(1).max(20_000).optional(),
  reset: z.boolean().optional(),
  format: z.enum(['csv', 'pdf']).optional(),
}).nullish();

import { sql, type Insertable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { StudentsTable } from '../db/schema.ts';

export const findStudent = (ex: Executor, id: string) => ex.selectFrom('students').selectAll().where('id', '=', id).executeTakeFirst();

/** Whether the students row `studentId` is the one of user `userId`. */
export const isStudentOfUser = async (ex: Executor, studentId: string, userId: string) =>
  !!(await ex.selectFrom('students').select('id').where('id', '=', studentId).where('user_id', '=', userId).executeTakeFirst());

export const findStudentByUser = (ex: Executor, userId: string) =>
  ex.selectFrom('students').selectAll().where('user_id', '=', userId).executeTakeFirst();

const CHUNK = 500;

/** Existing roster rows for these numbers (chunked: SQLite and PostgreSQL both cap bound parameters). */
export async function studentsByNumbers(ex: Executor, numbers: string[]) {
  const out: StudentsTable[] = [];
  for (let i = 0; i < numbers.length; i += CHUNK) {
    out.push(...(await ex.selectFrom('students').selectAll().where('student_number', 'in', numbers.slice(i, i + CHUNK)).execute()));
  }
  return out;
}

/**
 * Writes new and changed roster rows, one multi-row upsert per chunk: each row is written whole by one
 * statement, and a row inserted concurrently by another import is updated instead of failing. Columns the file
 * did not have (`email`, `class_name`) are left as they are on existing rows.
 */
export async function upsertStudents(ex: Executor, rows: Insertable<StudentsTable>[], cols: { email: boolean; className: boolean }) {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await ex
      .insertInto('students')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc.column('student_number').doUpdateSet((eb) => ({
          last_name: eb.ref('excluded.last_name'),
          first_name: eb.ref('excluded.first_name'),
          search_key: eb.ref('excluded.search_key'),
          updated_at: eb.ref('excluded.updated_at'),
          ...(cols.email ? { email: eb.ref('excluded.email') } : {}),
          ...(cols.className ? { class_name: eb.ref('excluded.class_name') } : {}),
        })),
      )
      .execute();
  }
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Roster search: every folded word must occur in `search_key` (folded at write time), so "élodie DUPONT" and
 * "dupont elodie" find the same student on both engines. Keyset-paginated by student number.
 */
export function searchStudents(ex: Executor, f: { words: string[]; className?: string; examId?: string; limit: number; after?: string }) {
  let q = ex.selectFrom('students').selectAll('students').orderBy('students.student_number').limit(f.limit + 1);
  for (const w of f.words) q = q.where(sql<boolean>`students.search_key LIKE ${`%${escapeLike(w)}%`} ESCAPE '\\'`);
  if (f.className) q = q.where('students.class_name', '=', f.className);
  if (f.after) q = q.where('students.student_number', '>', f.after);
  if (!f.examId) return q.select([sql<string | null>`NULL`.as('copy_id'), sql<string | null>`NULL`.as('anonymous_code')]).execute();
  const examId = f.examId;
  return q
    .leftJoin('copies', (j) => j.onRef('copies.student_id', '=', 'students.id').on('copies.exam_id', '=', examId))
    .select(['copies.id as copy_id', 'copies.anonymous_code'])
    .execute();
}

export const studentsWithoutAccount = (ex: Executor) =>
  ex.selectFrom('students').selectAll().where('user_id', 'is', null).orderBy('student_number').execute();

export async function studentsByIds(ex: Executor, ids: string[]) {
  const out: StudentsTable[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    out.push(...(await ex.selectFrom('students').selectAll().where('id', 'in', ids.slice(i, i + CHUNK)).execute()));
  }
  return out.sort((a, b) => (a.student_number < b.student_number ? -1 : a.student_number > b.student_number ? 1 : 0));
}

/** Links an account to a student only if it still has none: two concurrent provisionings cannot both link. */
export const linkAccountIfNone = async (ex: Executor, studentId: string, userId: string, now: string) =>
  Number(
    (
      await ex
        .updateTable('students')
        .set({ user_id: userId, updated_at: now })
        .where('id', '=', studentId)
        .where('user_id', 'is', null)
        .executeTakeFirst()
    ).numUpdatedRows,
  );

export const emailsTaken = async (ex: Executor, emails: string[]) => {
  const out = new Set<string>();
  for (let i = 0; i < emails.length; i += CHUNK) {
    const rows = await ex.selectFrom('users').select('email').where('email', 'in', emails.slice(i, i + CHUNK)).execute();
    for (const r of rows) out.add(r.email);
  }
  return out;
};

import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialect.ts';

/**
 * Printed papers (issue 17).
 * - `papers`: each printed booklet of an exam, by number: for whom it was printed (a student, or nobody for an
 *   anonymous paper), how many answer pages follow its cover, and the copy its scanned pages went to (set by the
 *   first ingest that reads one of its codes, so the pages of one paper join one copy across uploads).
 * - `exam_question_papers`: the question paper (a PDF blob) printed behind the answer pages; one per exam, replaced
 *   by a new upload (the old blob is left to cleanup-orphans).
 * - `pages.paper_number` / `pages.paper_page`: what the page's code said (null: no code read), so a later upload
 *   orders its pages among the copy's and finds the pages scanned twice.
 * All keys RESTRICT; deleting an exam (only without copies) removes its papers explicitly.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const ts = dialectOf(db) === 'postgres' ? 'timestamptz' : 'text';
  await db.schema
    .createTable('papers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('exam_id', 'text', (c) => c.notNull().references('exams.id').onDelete('restrict'))
    .addColumn('number', 'integer', (c) => c.notNull().check(sql`number >= 1`))
    .addColumn('student_id', 'text', (c) => c.references('students.id').onDelete('restrict'))
    .addColumn('pages', 'integer', (c) => c.notNull().check(sql`pages >= 1`))
    .addColumn('copy_id', 'text', (c) => c.references('copies.id').onDelete('restrict'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addUniqueConstraint('papers_exam_number', ['exam_id', 'number'])
    .addUniqueConstraint('papers_exam_student', ['exam_id', 'student_id'])
    .execute();
  await db.schema
    .createTable('exam_question_papers')
    .addColumn('exam_id', 'text', (c) => c.primaryKey().references('exams.id').onDelete('restrict'))
    .addColumn('blob_id', 'text', (c) => c.notNull().references('blobs.id').onDelete('restrict'))
    .addColumn('page_count', 'integer', (c) => c.notNull())
    .addColumn('uploaded_by', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.alterTable('pages').addColumn('paper_number', 'integer').execute();
  await db.schema.alterTable('pages').addColumn('paper_page', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('pages').dropColumn('paper_page').execute();
  await db.schema.alterTable('pages').dropColumn('paper_number').execute();
  await db.schema.dropTable('exam_question_papers').execute();
  await db.schema.dropTable('papers').execute();
}

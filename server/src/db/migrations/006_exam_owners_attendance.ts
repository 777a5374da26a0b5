import { sql, type Kysely } from 'kysely';

/**
 * Exam owners and attendance (issue 16).
 * - `exam_owners`: the teacher who runs an exam (created it, or was named by an admin) has the admin's rights on
 *   that exam only. One owner per exam at most (the primary key); a table rather than a column of `exams` so the
 *   migration adds and drops it cleanly on both engines.
 * - `exam_attendance`: a student of the roster who has no copy of the exam is ABSENT, EXCUSED (ABJ) or EXEMPT
 *   (DISP). PRESENT is not stored: it means "has a copy", which the copies table already says.
 * Both RESTRICT their exam, like every key that is not pure derived data: deleting an exam removes them explicitly.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('exam_owners')
    .addColumn('exam_id', 'text', (c) => c.primaryKey().references('exams.id').onDelete('restrict'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('exam_owners_user').on('exam_owners').column('user_id').execute();

  await db.schema
    .createTable('exam_attendance')
    .addColumn('exam_id', 'text', (c) => c.notNull().references('exams.id').onDelete('restrict'))
    .addColumn('student_id', 'text', (c) => c.notNull().references('students.id').onDelete('restrict'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('ABSENT', 'EXCUSED', 'EXEMPT')`))
    .addColumn('updated_by', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('exam_attendance_pk', ['exam_id', 'student_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('exam_attendance').execute();
  await db.schema.dropIndex('exam_owners_user').execute();
  await db.schema.dropTable('exam_owners').execute();
}

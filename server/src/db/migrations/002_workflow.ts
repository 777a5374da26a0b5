import { sql, type Kysely } from 'kysely';

/**
 * School workflow: at most one OPEN regrade request per copy and question (a student cannot stack duplicates;
 * the database refuses the second even under a double click), and the lookups of the student portal
 * (copies of one student across exams) and of the regrade lists.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('regrade_requests_one_open')
    .on('regrade_requests')
    .columns(['copy_id', 'question_id'])
    .unique()
    .where(sql<boolean>`status = 'OPEN'`)
    .execute();
  await db.schema.createIndex('regrade_requests_copy').on('regrade_requests').column('copy_id').execute();
  await db.schema.createIndex('copies_student').on('copies').column('student_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('copies_student').execute();
  await db.schema.dropIndex('regrade_requests_copy').execute();
  await db.schema.dropIndex('regrade_requests_one_open').execute();
}

import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialect.ts';

/**
 * The regrade loop (issue 16).
 * - `regrade_requests.decision`: how an ANSWERED request was settled — ACCEPTED (the copy went back to its
 *   corrector) or REJECTED (the mark stands, with the answer as the reason). Rows answered before this migration
 *   are ACCEPTED when their answer reopened the copy (the REGRADE_ANSWERED event says so), REJECTED otherwise.
 * - `exams.regrade_deadline`: after it, students can no longer ask (null: no deadline).
 * - `copy_reviews`: one row per reopening of a GRADED copy, holding the result as it stood (PDF, total, points
 *   and comments per question). While the copy is regraded its student keeps seeing that result "under review";
 *   once it is GRADED again they see the new one and what changed. `released`: the student had seen that result.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const ts = pg ? 'timestamptz' : 'text';

  // SQLite adds a table constraint only by rebuilding the table; a column check may name the other column
  await db.schema
    .alterTable('regrade_requests')
    .addColumn('decision', 'text', (c) =>
      c.check(sql`(status = 'OPEN' AND decision IS NULL) OR (status = 'ANSWERED' AND decision IN ('ACCEPTED', 'REJECTED'))`),
    )
    .execute();
  await sql`UPDATE regrade_requests SET decision = CASE WHEN EXISTS (
      SELECT 1 FROM grading_events e
      WHERE e.copy_id = regrade_requests.copy_id AND e.action = 'REGRADE_ANSWERED'
        AND e.metadata LIKE '%"requestId":"' || regrade_requests.id || '"%' AND e.metadata LIKE '%"reopened":true%'
    ) THEN 'ACCEPTED' ELSE 'REJECTED' END
    WHERE status = 'ANSWERED'`.execute(db);

  await db.schema.alterTable('exams').addColumn('regrade_deadline', ts).execute();

  await db.schema
    .createTable('copy_reviews')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('copy_id', 'text', (c) => c.notNull().references('copies.id').onDelete('restrict'))
    .addColumn('reopened_by', 'text', (c) => c.references('users.id').onDelete('restrict'))
    .addColumn('reopened_at', ts, (c) => c.notNull())
    .addColumn('released', 'integer', (c) => c.notNull())
    .addColumn('previous_blob_id', 'text', (c) => c.notNull().references('blobs.id').onDelete('restrict'))
    .addColumn('previous_score', 'integer', (c) => c.notNull())
    .addColumn('previous_graded_at', ts, (c) => c.notNull())
    .addColumn('previous_scores', 'text', (c) => c.notNull())
    .addCheckConstraint('copy_reviews_released', sql`released IN (0, 1)`)
    .execute();
  await db.schema.createIndex('copy_reviews_copy').on('copy_reviews').columns(['copy_id', 'reopened_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('copy_reviews').execute();
  await db.schema.alterTable('exams').dropColumn('regrade_deadline').execute();
  await db.schema.alterTable('regrade_requests').dropColumn('decision').execute();
}

import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialect.ts';

/**
 * The whole schema of DESIGN.md §2–§3. Every integrity rule that can live in the database does:
 * CHECKs for the copy state machine, UNIQUEs for ownership, ON DELETE RESTRICT for everything that is not
 * pure derived data. Times are timestamptz on PostgreSQL and ISO-8601 text on SQLite (always written by
 * `new Date().toISOString()`, so text order is time order). JSON is stored as text on both.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const ts = pg ? 'timestamptz' : 'text';
  const real = pg ? 'double precision' : 'real';
  const bool = (c: string) => sql.raw(`${c} IN (0, 1)`);

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('one_time_used_at', ts)
    .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', ts)
    .addColumn('created_at', ts, (c) => c.notNull())
    .addCheckConstraint('users_role', sql`role IN ('ADMIN', 'TEACHER', 'STUDENT')`)
    .addCheckConstraint('users_email_lower', sql`email = lower(email)`)
    .addCheckConstraint('users_active_bool', bool('is_active'))
    .addCheckConstraint('users_mcp_bool', bool('must_change_password'))
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey()) // sha256 of the cookie token
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('last_seen_at', ts, (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('students')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('student_number', 'text', (c) => c.notNull().unique())
    .addColumn('last_name', 'text', (c) => c.notNull())
    .addColumn('first_name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('class_name', 'text')
    .addColumn('search_key', 'text', (c) => c.notNull()) // folded "number last first" for accent-insensitive search
    .addColumn('user_id', 'text', (c) => c.unique().references('users.id').onDelete('restrict'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('blobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('storage_key', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addCheckConstraint('blobs_size', sql`size >= 0`)
    .execute();

  await db.schema
    .createTable('exams')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('exam_date', 'text')
    .addColumn('pages_per_copy', 'integer', (c) => c.notNull())
    .addColumn('anonymous', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('results_released_at', ts)
    .addColumn('archived_at', ts)
    .addColumn('archived_by', 'text', (c) => c.references('users.id').onDelete('restrict'))
    .addColumn('created_by', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addCheckConstraint('exams_ppc', sql`pages_per_copy >= 1 AND pages_per_copy <= 500`)
    .addCheckConstraint('exams_anonymous_bool', bool('anonymous'))
    .execute();

  await db.schema
    .createTable('questions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('exam_id', 'text', (c) => c.notNull().references('exams.id').onDelete('restrict'))
    .addColumn('parent_id', 'text', (c) => c.references('questions.id').onDelete('restrict'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('max_points', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('removed_at', ts) // questions that have scores are retired, never deleted
    .addCheckConstraint('questions_max', sql`max_points >= 0`)
    // target of the scores (question_id, max_points) foreign key: lets a CHECK on scores see the max
    .addUniqueConstraint('questions_id_max', ['id', 'max_points'])
    .execute();
  await db.schema.createIndex('questions_exam').on('questions').column('exam_id').execute();

  await db.schema
    .createTable('exam_correctors')
    .addColumn('exam_id', 'text', (c) => c.notNull().references('exams.id').onDelete('restrict'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addPrimaryKeyConstraint('exam_correctors_pk', ['exam_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('uploads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('exam_id', 'text', (c) => c.notNull().references('exams.id').onDelete('restrict'))
    .addColumn('source_blob_id', 'text', (c) => c.notNull().references('blobs.id').onDelete('restrict'))
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('page_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pages_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addCheckConstraint('uploads_mode', sql`mode IN ('BATCH', 'SINGLE')`)
    .addCheckConstraint('uploads_status', sql`status IN ('PENDING', 'PROCESSING', 'DONE', 'FAILED')`)
    .addCheckConstraint('uploads_failed_error', sql`status <> 'FAILED' OR error IS NOT NULL`)
    .addCheckConstraint('uploads_progress', sql`pages_done >= 0 AND pages_done <= page_count`)
    .execute();

  await db.schema
    .createTable('booklets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('upload_id', 'text', (c) => c.notNull().references('uploads.id').onDelete('restrict'))
    .addColumn('exam_id', 'text', (c) => c.notNull().references('exams.id').onDelete('restrict'))
    .addColumn('start_page', 'integer', (c) => c.notNull())
    .addColumn('end_page', 'integer', (c) => c.notNull())
    .addCheckConstraint('booklets_range', sql`start_page >= 0 AND end_page >= start_page`)
    .addUniqueConstraint('booklets_upload_start', ['upload_id', 'start_page'])
    .execute();

  await db.schema
    .createTable('copies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('exam_id', 'text', (c) => c.notNull().references('exams.id').onDelete('restrict'))
    .addColumn('anonymous_code', 'text', (c) => c.notNull())
    .addColumn('student_id', 'text', (c) => c.references('students.id').onDelete('restrict'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('assigned_to', 'text', (c) => c.references('users.id').onDelete('restrict'))
    .addColumn('locked_by', 'text', (c) => c.references('users.id').onDelete('restrict'))
    .addColumn('locked_at', ts)
    .addColumn('graded_at', ts)
    .addColumn('final_blob_id', 'text', (c) => c.references('blobs.id').onDelete('restrict'))
    .addColumn('final_score', 'integer')
    .addColumn('grading_error', 'text')
    .addColumn('finalize_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('flagged', 'text') // why the admin should look at it (e.g. an incomplete last booklet)
    .addColumn('merged_into_id', 'text', (c) => c.references('copies.id').onDelete('restrict'))
    .addColumn('row_version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addCheckConstraint(
      'copies_status',
      sql`status IN ('STAGING', 'READY', 'LOCKED', 'GRADING_IN_PROGRESS', 'GRADED', 'GRADING_FAILED', 'MERGED')`,
    )
    .addCheckConstraint('copies_locked_has_owner', sql`status <> 'LOCKED' OR (locked_by IS NOT NULL AND locked_at IS NOT NULL)`)
    .addCheckConstraint('copies_unlocked_no_owner', sql`status NOT IN ('STAGING', 'READY', 'MERGED') OR locked_by IS NULL`)
    .addCheckConstraint(
      'copies_graded_has_pdf',
      sql`status <> 'GRADED' OR (final_blob_id IS NOT NULL AND graded_at IS NOT NULL AND final_score IS NOT NULL)`,
    )
    .addCheckConstraint('copies_failed_has_error', sql`status <> 'GRADING_FAILED' OR grading_error IS NOT NULL`)
    .addCheckConstraint('copies_pdf_only_graded', sql`status = 'GRADED' OR final_blob_id IS NULL`)
    .addCheckConstraint('copies_merged_target', sql`(status = 'MERGED') = (merged_into_id IS NOT NULL)`)
    .addCheckConstraint('copies_score', sql`final_score IS NULL OR final_score >= 0`)
    .addUniqueConstraint('copies_exam_code', ['exam_id', 'anonymous_code'])
    .addUniqueConstraint('copies_exam_student', ['exam_id', 'student_id'])
    .execute();
  await db.schema.createIndex('copies_exam_status').on('copies').columns(['exam_id', 'status']).execute();
  await db.schema.createIndex('copies_assigned').on('copies').columns(['assigned_to', 'exam_id']).execute();

  await db.schema
    .createTable('pages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('copy_id', 'text', (c) => c.notNull().references('copies.id').onDelete('restrict'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('booklet_id', 'text', (c) => c.references('booklets.id').onDelete('restrict'))
    .addColumn('source_page', 'integer', (c) => c.notNull())
    .addColumn('image_blob_id', 'text', (c) => c.notNull().references('blobs.id').onDelete('restrict'))
    .addColumn('width_px', 'integer', (c) => c.notNull())
    .addColumn('height_px', 'integer', (c) => c.notNull())
    .addCheckConstraint('pages_position', sql`position >= 0`)
    .addCheckConstraint('pages_dims', sql`width_px > 0 AND height_px > 0`)
    .addUniqueConstraint('pages_copy_position', ['copy_id', 'position'])
    .execute();

  await db.schema
    .createTable('copy_locks')
    .addColumn('copy_id', 'text', (c) => c.primaryKey().references('copies.id').onDelete('cascade'))
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('acquired_at', ts, (c) => c.notNull())
    .addColumn('expires_at', ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('draft_states')
    .addColumn('copy_id', 'text', (c) => c.notNull().references('copies.id').onDelete('cascade'))
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('client_id', 'text')
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('draft_states_pk', ['copy_id', 'owner_id'])
    .addCheckConstraint('draft_version', sql`version >= 1`)
    .execute();

  await db.schema
    .createTable('annotations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('copy_id', 'text', (c) => c.notNull().references('copies.id').onDelete('restrict'))
    .addColumn('page_position', 'integer', (c) => c.notNull())
    .addColumn('x', real, (c) => c.notNull())
    .addColumn('y', real, (c) => c.notNull())
    .addColumn('w', real, (c) => c.notNull())
    .addColumn('h', real, (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('content', 'text')
    .addColumn('points', 'text') // FREEHAND stroke as JSON [[x,y],...], normalized
    .addColumn('score_delta', 'integer')
    .addColumn('question_id', 'text', (c) => c.references('questions.id').onDelete('restrict'))
    .addColumn('created_by', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addCheckConstraint('annotations_type', sql`type IN ('COMMENT', 'HIGHLIGHT', 'TICK', 'CROSS', 'SCORE', 'FREEHAND')`)
    .addCheckConstraint('annotations_page', sql`page_position >= 0`)
    // a float tolerance of 1e-6 so that 0.7 + 0.3 style sums are not refused
    .addCheckConstraint(
      'annotations_geometry',
      sql`x >= 0 AND y >= 0 AND w >= 0 AND h >= 0 AND x <= 1 AND y <= 1 AND x + w <= 1.000001 AND y + h <= 1.000001`,
    )
    .addCheckConstraint('annotations_version', sql`version >= 1`)
    .execute();
  await db.schema.createIndex('annotations_copy').on('annotations').column('copy_id').execute();

  await db.schema
    .createTable('scores')
    .addColumn('copy_id', 'text', (c) => c.notNull().references('copies.id').onDelete('restrict'))
    .addColumn('question_id', 'text', (c) => c.notNull())
    .addColumn('max_points', 'integer', (c) => c.notNull())
    .addColumn('points', 'integer', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('updated_by', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('scores_pk', ['copy_id', 'question_id'])
    // the question's max travels with the score (ON UPDATE CASCADE), so the database itself refuses points over max
    .addForeignKeyConstraint('scores_question_max', ['question_id', 'max_points'], 'questions', ['id', 'max_points'], (fk) =>
      fk.onDelete('restrict').onUpdate('cascade'),
    )
    .addCheckConstraint('scores_points', sql`points >= 0 AND points <= max_points`)
    .execute();

  await db.schema
    .createTable('final_pdfs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('copy_id', 'text', (c) => c.notNull().references('copies.id').onDelete('restrict'))
    .addColumn('blob_id', 'text', (c) => c.notNull().unique().references('blobs.id').onDelete('restrict'))
    .addColumn('final_score', 'integer', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('final_pdfs_copy').on('final_pdfs').column('copy_id').execute();

  await db.schema
    .createTable('grading_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('copy_id', 'text', (c) => c.notNull().references('copies.id').onDelete('restrict'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.references('users.id').onDelete('restrict'))
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('grading_events_copy').on('grading_events').columns(['copy_id', 'created_at']).execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ref_id', 'text') // the entity the job is about (copy, upload), to find "the" job of a copy
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(3))
    .addColumn('run_after', ts, (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', ts)
    .addColumn('last_error', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addCheckConstraint('jobs_status', sql`status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED')`)
    .addCheckConstraint('jobs_running_lease', sql`status <> 'RUNNING' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)`)
    .addCheckConstraint('jobs_attempts', sql`attempts >= 0 AND max_attempts >= 1`)
    .execute();
  await db.schema.createIndex('jobs_claim').on('jobs').columns(['status', 'run_after']).execute();
  await db.schema.createIndex('jobs_ref').on('jobs').columns(['ref_id', 'kind']).execute();

  await db.schema
    .createTable('regrade_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('copy_id', 'text', (c) => c.notNull().references('copies.id').onDelete('restrict'))
    .addColumn('question_id', 'text', (c) => c.notNull().references('questions.id').onDelete('restrict'))
    .addColumn('requested_by', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('answer', 'text')
    .addColumn('answered_by', 'text', (c) => c.references('users.id').onDelete('restrict'))
    .addColumn('answered_at', ts)
    .addColumn('created_at', ts, (c) => c.notNull())
    .addCheckConstraint('regrade_status', sql`status IN ('OPEN', 'ANSWERED')`)
    .addCheckConstraint('regrade_answered', sql`status <> 'ANSWERED' OR (answer IS NOT NULL AND answered_by IS NOT NULL)`)
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('actor_id', 'text', (c) => c.references('users.id').onDelete('restrict'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('ip', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'audit_log', 'regrade_requests', 'jobs', 'grading_events', 'final_pdfs', 'scores', 'annotations',
    'draft_states', 'copy_locks', 'pages', 'copies', 'booklets', 'uploads', 'exam_correctors', 'questions',
    'exams', 'blobs', 'students', 'sessions', 'users',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}

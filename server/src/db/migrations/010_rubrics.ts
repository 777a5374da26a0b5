import { sql, type Kysely } from 'kysely';
import { dialectOf } from '../dialect.ts';

/**
 * Rubrics and question-by-question grading (issue 13).
 * - `questions.scoring_mode` (FREE: typed points, today's behaviour; ADDITIVE: from 0; SUBTRACTIVE: from the max)
 *   and `questions.region` (JSON `{pagePosition,x,y,w,h}`: where the question is answered; null = the whole copy).
 * - `rubric_items`: the shared keys of a question. An item applied to a copy is never deleted (RESTRICT from
 *   `rubric_applications`), only retired.
 * - `rubric_applications`: which items are applied on a (copy, question), with the item's label, comment, points
 *   and kind as applied. The composite foreign key makes the database refuse an item applied under another
 *   question than its own.
 * - `scores.rubric_adjustment`: NOT NULL exactly when the score is computed from rubric items (the value is the
 *   manual adjustment added after them); such scores follow their items when an item is edited.
 * - `annotations.rubric_item_id`: a badge — the annotation that shows an applied item where it was placed. It is
 *   written and deleted with the item's application, in the same transaction.
 * - `question_locks`: a lease on one (copy, question). The database refuses overlaps: the primary key one lease
 *   per question; triggers a question lease while the copy has a whole-copy lease row and the reverse. Overlap is
 *   judged on rows, live or expired: acquiring first deletes the expired rows it replaces, in its transaction.
 *   PostgreSQL runs READ COMMITTED, so its trigger first takes a transaction-scoped advisory lock on the copy
 *   (the "lock row" of the copy's leases): two concurrent acquirers of one copy queue there, and the second one's
 *   check sees the first one's committed row.
 * - `question_assignments`: dispatch by question (optional quota of copies per corrector).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const ts = pg ? 'timestamptz' : 'text';

  await db.schema
    .alterTable('questions')
    .addColumn('scoring_mode', 'text', (c) => c.notNull().defaultTo('FREE').check(sql`scoring_mode IN ('FREE', 'ADDITIVE', 'SUBTRACTIVE')`))
    .execute();
  await db.schema.alterTable('questions').addColumn('region', 'text').execute();

  await db.schema
    .createTable('rubric_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('exam_id', 'text', (c) => c.notNull().references('exams.id').onDelete('restrict'))
    .addColumn('question_id', 'text', (c) => c.notNull().references('questions.id').onDelete('restrict'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('points', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('DELTA'))
    .addColumn('group_name', 'text')
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('retired_at', ts)
    .addColumn('created_by', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addCheckConstraint('rubric_items_kind', sql`kind IN ('DELTA', 'ABSOLUTE')`)
    .addCheckConstraint('rubric_items_absolute', sql`kind <> 'ABSOLUTE' OR points >= 0`)
    .addCheckConstraint('rubric_items_version', sql`version >= 1`)
    .addUniqueConstraint('rubric_items_id_question', ['id', 'question_id'])
    .execute();
  await db.schema.createIndex('rubric_items_exam').on('rubric_items').columns(['exam_id', 'question_id', 'position']).execute();

  await db.schema
    .createTable('rubric_applications')
    .addColumn('copy_id', 'text', (c) => c.notNull().references('copies.id').onDelete('restrict'))
    .addColumn('question_id', 'text', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull()) // order in which the corrector applied them
    // the item as applied: the score and what the student reads follow these; an item edit rewrites them on the
    // copies it changes (not on GRADED ones, whose final PDF shows them)
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('points', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('rubric_applications_pk', ['copy_id', 'item_id'])
    .addForeignKeyConstraint('rubric_applications_item', ['item_id', 'question_id'], 'rubric_items', ['id', 'question_id'], (fk) =>
      fk.onDelete('restrict'),
    )
    .execute();
  await db.schema.createIndex('rubric_applications_item').on('rubric_applications').column('item_id').execute();
  await db.schema.createIndex('rubric_applications_copy_question').on('rubric_applications').columns(['copy_id', 'question_id']).execute();

  await db.schema.alterTable('scores').addColumn('rubric_adjustment', 'integer').execute();
  // no foreign key: SQLite could not drop the column again; a badge goes with its application (same writes)
  await db.schema.alterTable('annotations').addColumn('rubric_item_id', 'text').execute();
  await db.schema.createIndex('annotations_rubric_item').on('annotations').column('rubric_item_id').execute();

  await db.schema
    .createTable('question_locks')
    .addColumn('copy_id', 'text', (c) => c.notNull().references('copies.id').onDelete('cascade'))
    .addColumn('question_id', 'text', (c) => c.notNull().references('questions.id').onDelete('cascade'))
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('acquired_at', ts, (c) => c.notNull())
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('question_locks_pk', ['copy_id', 'question_id'])
    .execute();

  if (pg) {
    await sql`CREATE FUNCTION korrigo_lease_overlap() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('korrigo-copy-lease:' || NEW.copy_id));
        IF TG_TABLE_NAME = 'question_locks' THEN
          IF EXISTS (SELECT 1 FROM copy_locks WHERE copy_id = NEW.copy_id) THEN
            RAISE EXCEPTION 'LEASE_OVERLAP: copy % has a whole-copy lease', NEW.copy_id USING ERRCODE = '23P01';
          END IF;
        ELSIF EXISTS (SELECT 1 FROM question_locks WHERE copy_id = NEW.copy_id) THEN
          RAISE EXCEPTION 'LEASE_OVERLAP: copy % has question leases', NEW.copy_id USING ERRCODE = '23P01';
        END IF;
        RETURN NEW;
      END $$`.execute(db);
    await sql`CREATE TRIGGER question_locks_overlap BEFORE INSERT OR UPDATE OF copy_id ON question_locks
      FOR EACH ROW EXECUTE FUNCTION korrigo_lease_overlap()`.execute(db);
    await sql`CREATE TRIGGER copy_locks_overlap BEFORE INSERT OR UPDATE OF copy_id ON copy_locks
      FOR EACH ROW EXECUTE FUNCTION korrigo_lease_overlap()`.execute(db);
  } else {
    for (const op of ['INSERT', 'UPDATE OF copy_id']) {
      const suffix = op === 'INSERT' ? 'insert' : 'update';
      await sql`${sql.raw(`CREATE TRIGGER question_locks_overlap_${suffix} BEFORE ${op} ON question_locks`)}
        WHEN EXISTS (SELECT 1 FROM copy_locks WHERE copy_id = NEW.copy_id)
        BEGIN SELECT RAISE(ABORT, 'LEASE_OVERLAP: the copy has a whole-copy lease'); END`.execute(db);
      await sql`${sql.raw(`CREATE TRIGGER copy_locks_overlap_${suffix} BEFORE ${op} ON copy_locks`)}
        WHEN EXISTS (SELECT 1 FROM question_locks WHERE copy_id = NEW.copy_id)
        BEGIN SELECT RAISE(ABORT, 'LEASE_OVERLAP: the copy has question leases'); END`.execute(db);
    }
  }

  await db.schema
    .createTable('question_assignments')
    .addColumn('exam_id', 'text', (c) => c.notNull().references('exams.id').onDelete('restrict'))
    .addColumn('question_id', 'text', (c) => c.notNull().references('questions.id').onDelete('restrict'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('quota', 'integer')
    .addPrimaryKeyConstraint('question_assignments_pk', ['question_id', 'user_id'])
    .addCheckConstraint('question_assignments_quota', sql`quota IS NULL OR quota >= 1`)
    .execute();
  await db.schema.createIndex('question_assignments_exam').on('question_assignments').columns(['exam_id', 'user_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  await db.schema.dropTable('question_assignments').execute();
  if (pg) {
    await sql`DROP TRIGGER copy_locks_overlap ON copy_locks`.execute(db);
    await sql`DROP FUNCTION korrigo_lease_overlap() CASCADE`.execute(db);
  } else {
    for (const t of ['copy_locks_overlap_insert', 'copy_locks_overlap_update']) await sql`DROP TRIGGER ${sql.raw(t)}`.execute(db);
  }
  await db.schema.dropTable('question_locks').execute();
  await db.schema.dropIndex('annotations_rubric_item').execute();
  await db.schema.alterTable('annotations').dropColumn('rubric_item_id').execute();
  await db.schema.alterTable('scores').dropColumn('rubric_adjustment').execute();
  await db.schema.dropTable('rubric_applications').execute();
  await db.schema.dropTable('rubric_items').execute();
  await db.schema.alterTable('questions').dropColumn('region').execute();
  await db.schema.alterTable('questions').dropColumn('scoring_mode').execute();
}

import { type Kysely } from 'kysely';
import { dialectOf } from '../dialect.ts';

/**
 * Questions a teacher explicitly left unscored on a copy (submit/finalize with `allowUnscored`). A question of a
 * copy is then in exactly one of three states: scored (a `scores` row), explicitly not scored (a row here), or
 * not yet looked at (neither) — and only the last one blocks submit/finalize with INCOMPLETE_SCORES. Scoring the
 * question deletes its row here in the same transaction. The primary key makes a double submit mark it once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const ts = dialectOf(db) === 'postgres' ? 'timestamptz' : 'text';
  await db.schema
    .createTable('unscored_questions')
    .addColumn('copy_id', 'text', (c) => c.notNull().references('copies.id').onDelete('restrict'))
    .addColumn('question_id', 'text', (c) => c.notNull().references('questions.id').onDelete('restrict'))
    .addColumn('marked_by', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
    .addColumn('marked_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('unscored_questions_pk', ['copy_id', 'question_id'])
    .execute();
  await db.schema.createIndex('unscored_questions_question').on('unscored_questions').column('question_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('unscored_questions').execute();
}

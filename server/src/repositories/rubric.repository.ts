import type { Insertable, Updateable } from 'kysely';
import type { Executor } from '../db/database.ts';
import { dialectOf } from '../db/dialect.ts';
import type { RubricApplicationsTable, RubricItemsTable } from '../db/schema.ts';

/** Rubric items, their applications on copies and their badges (issue 13, migration 010). */

export const listItems = (ex: Executor, examId: string, f: { questionId?: string; includeRetired: boolean }) => {
  let q = ex
    .selectFrom('rubric_items')
    .selectAll('rubric_items')
    .select((eb) =>
      eb
        .selectFrom('rubric_applications')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('rubric_applications.item_id', '=', 'rubric_items.id')
        .as('usage'),
    )
    .where('exam_id', '=', examId);
  if (f.questionId) q = q.where('question_id', '=', f.questionId);
  if (!f.includeRetired) q = q.where('retired_at', 'is', null);
  return q.orderBy('question_id').orderBy('position').orderBy('created_at').orderBy('id').execute();
};

/** PostgreSQL: FOR UPDATE (an edit) or FOR SHARE (an application) so an edit and applications of it serialize. */
export const findItem = (ex: Executor, id: string, lock?: 'share' | 'update') => {
  let q = ex.selectFrom('rubric_items').selectAll().where('id', '=', id);
  if (lock && dialectOf(ex) === 'postgres') q = lock === 'update' ? q.forUpdate() : q.forShare();
  return q.executeTakeFirst();
};

/** Every item of a question, held FOR SHARE on PostgreSQL: a question's applications wait for an edit of any of them. */
export const itemsOfQuestion = (ex: Executor, questionId: string, lock = false) => {
  let q = ex.selectFrom('rubric_items').selectAll().where('question_id', '=', questionId).orderBy('position').orderBy('id');
  if (lock && dialectOf(ex) === 'postgres') q = q.forShare();
  return q.execute();
};

export const nextItemPosition = async (ex: Executor, questionId: string) => {
  const r = await ex
    .selectFrom('rubric_items')
    .select((eb) => eb.fn.max('position').as('p'))
    .where('question_id', '=', questionId)
    .executeTakeFirst();
  return r?.p === null || r?.p === undefined ? 0 : Number(r.p) + 1;
};

export const insertItem = (ex: Executor, row: Insertable<RubricItemsTable>) =>
  ex.insertInto('rubric_items').values(row).returningAll().executeTakeFirstOrThrow();

export const updateItemIfVersion = (ex: Executor, id: string, version: number, patch: Updateable<RubricItemsTable>) =>
  ex
    .updateTable('rubric_items')
    .set((eb) => ({ ...patch, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where('version', '=', version)
    .returningAll()
    .executeTakeFirst();

export const deleteItemIfVersion = (ex: Executor, id: string, version: number) =>
  ex.deleteFrom('rubric_items').where('id', '=', id).where('version', '=', version).executeTakeFirst().then((r) => Number(r.numDeletedRows));

export const usageOf = async (ex: Executor, itemId: string) =>
  Number(
    (await ex.selectFrom('rubric_applications').select((eb) => eb.fn.countAll().as('n')).where('item_id', '=', itemId).executeTakeFirstOrThrow()).n,
  );

/** The copies where an item is applied, with their status. */
export const copiesUsingItem = (ex: Executor, itemId: string) =>
  ex
    .selectFrom('rubric_applications')
    .innerJoin('copies', 'copies.id', 'rubric_applications.copy_id')
    .select(['copies.id', 'copies.status', 'copies.anonymous_code', 'rubric_applications.question_id'])
    .where('rubric_applications.item_id', '=', itemId)
    .orderBy('copies.anonymous_code')
    .execute();

export const applicationsOf = (ex: Executor, copyId: string, questionId?: string) => {
  let q = ex.selectFrom('rubric_applications').selectAll().where('copy_id', '=', copyId);
  if (questionId) q = q.where('question_id', '=', questionId);
  return q.orderBy('question_id').orderBy('position').execute();
};

export const applicationsOfCopies = (ex: Executor, copyIds: string[]) =>
  copyIds.length
    ? ex.selectFrom('rubric_applications').selectAll().where('copy_id', 'in', copyIds).orderBy('copy_id').orderBy('question_id').orderBy('position').execute()
    : Promise.resolve([]);

export const deleteApplications = (ex: Executor, copyId: string, questionId: string) =>
  ex.deleteFrom('rubric_applications').where('copy_id', '=', copyId).where('question_id', '=', questionId).execute();

export const insertApplications = (ex: Executor, rows: Insertable<RubricApplicationsTable>[]) =>
  rows.length ? ex.insertInto('rubric_applications').values(rows).execute() : Promise.resolve([]);

/** An item edit rewrites what its applications carry (on the copies it changes). */
export const updateApplicationsOfItem = (
  ex: Executor,
  itemId: string,
  copyIds: string[],
  set: { label: string; comment: string; points: number; kind: 'DELTA' | 'ABSOLUTE' },
) =>
  copyIds.length
    ? ex.updateTable('rubric_applications').set(set).where('item_id', '=', itemId).where('copy_id', 'in', copyIds).execute()
    : Promise.resolve([]);

// ---- badges: annotations linked to an item

export const badgesOf = (ex: Executor, copyId: string, questionId?: string) => {
  let q = ex.selectFrom('annotations').selectAll().where('copy_id', '=', copyId).where('rubric_item_id', 'is not', null);
  if (questionId) q = q.where('question_id', '=', questionId);
  return q.orderBy('created_at').orderBy('id').execute();
};

export const deleteBadges = (ex: Executor, copyId: string, questionId: string) =>
  ex.deleteFrom('annotations').where('copy_id', '=', copyId).where('question_id', '=', questionId).where('rubric_item_id', 'is not', null).execute();

export const updateBadgesOfItem = (ex: Executor, itemId: string, copyIds: string[], set: { content: string; score_delta: number; updated_at: string }) =>
  copyIds.length
    ? ex
        .updateTable('annotations')
        .set((eb) => ({ ...set, version: eb('version', '+', 1) }))
        .where('rubric_item_id', '=', itemId)
        .where('copy_id', 'in', copyIds)
        .execute()
    : Promise.resolve([]);

// ---- the rubric-computed score of a (copy, question)

/** Version 0 inserts (nobody scored it yet); otherwise the update applies only at the version the client read. */
export const writeRubricScore = (
  ex: Executor,
  s: { copyId: string; questionId: string; maxPoints: number; version: number; points: number; adjustment: number; by: string; now: string },
) =>
  s.version === 0
    ? ex
        .insertInto('scores')
        .values({
          copy_id: s.copyId,
          question_id: s.questionId,
          max_points: s.maxPoints,
          points: s.points,
          comment: null,
          updated_by: s.by,
          version: 1,
          updated_at: s.now,
          rubric_adjustment: s.adjustment,
        })
        .onConflict((oc) => oc.columns(['copy_id', 'question_id']).doNothing())
        .returningAll()
        .executeTakeFirst()
    : ex
        .updateTable('scores')
        .set((eb) => ({ points: s.points, rubric_adjustment: s.adjustment, updated_by: s.by, updated_at: s.now, version: eb('version', '+', 1) }))
        .where('copy_id', '=', s.copyId)
        .where('question_id', '=', s.questionId)
        .where('version', '=', s.version)
        .returningAll()
        .executeTakeFirst();

/** An item edit recomputes a score: no version check (the edit holds the item FOR UPDATE), version + 1. */
export const setRecomputedScore = (ex: Executor, s: { copyId: string; questionId: string; points: number; now: string }) =>
  ex
    .updateTable('scores')
    .set((eb) => ({ points: s.points, updated_at: s.now, version: eb('version', '+', 1) }))
    .where('copy_id', '=', s.copyId)
    .where('question_id', '=', s.questionId)
    .returningAll()
    .executeTakeFirst();

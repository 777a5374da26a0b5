import { sql, type ExpressionBuilder } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Database } from '../db/schema.ts';

type CopiesEb = ExpressionBuilder<Database, 'copies'>;

const hasLiveLease = (eb: CopiesEb, now: string) =>
  eb.exists(eb.selectFrom('copy_locks').select('copy_locks.copy_id').whereRef('copy_locks.copy_id', '=', 'copies.id').where('copy_locks.expires_at', '>', now));

/** Nobody has started on it: no score, no annotation, no live edit lease. Only such copies are moved by a rebalance. */
const untouched = (eb: CopiesEb, now: string) =>
  eb.and([
    eb.not(hasLiveLease(eb, now)),
    eb.not(eb.exists(eb.selectFrom('scores').select('scores.copy_id').whereRef('scores.copy_id', '=', 'copies.id'))),
    eb.not(eb.exists(eb.selectFrom('annotations').select('annotations.id').whereRef('annotations.copy_id', '=', 'copies.id'))),
  ]);

/** The exam's active correctors in a stable order, each with the number of copies of the exam assigned to them. */
export const correctorsWithLoad = (ex: Executor, examId: string) =>
  ex
    .selectFrom('exam_correctors')
    .innerJoin('users', 'users.id', 'exam_correctors.user_id')
    .select([
      'users.id',
      'users.display_name',
      (eb) =>
        eb
          .selectFrom('copies')
          .select((e) => e.fn.countAll<number>().as('n'))
          .where('copies.exam_id', '=', examId)
          .where('copies.status', '<>', 'MERGED')
          .whereRef('copies.assigned_to', '=', 'users.id')
          .as('load'),
    ])
    .where('exam_correctors.exam_id', '=', examId)
    .where('users.is_active', '=', 1)
    .orderBy('users.display_name')
    .orderBy('users.id')
    .execute();

/** Unassigned READY copies, with the holder of a live edit lease if a teacher already opened one. */
export const unassignedReady = (ex: Executor, examId: string, now: string) =>
  ex
    .selectFrom('copies')
    .leftJoin('copy_locks', (j) => j.onRef('copy_locks.copy_id', '=', 'copies.id').on('copy_locks.expires_at', '>', now))
    .select(['copies.id', 'copies.anonymous_code', 'copies.assigned_to', 'copy_locks.owner_id as lease_owner'])
    .where('copies.exam_id', '=', examId)
    .where('copies.status', '=', 'READY')
    .where('copies.assigned_to', 'is', null)
    .orderBy('copies.anonymous_code')
    .execute();

/** Assigned READY copies nobody has started on: what a rebalance may move. */
export const movableAssigned = (ex: Executor, examId: string, now: string) =>
  ex
    .selectFrom('copies')
    .select(['copies.id', 'copies.anonymous_code', 'copies.assigned_to', sql<string | null>`NULL`.as('lease_owner')])
    .where('copies.exam_id', '=', examId)
    .where('copies.status', '=', 'READY')
    .where('copies.assigned_to', 'is not', null)
    .where((eb) => untouched(eb, now))
    .orderBy('copies.anonymous_code')
    .execute();

const changed = (r: { numUpdatedRows: bigint }) => Number(r.numUpdatedRows) === 1;

/**
 * One statement per copy, conditional on it still being unassigned and READY: two dispatches running at once
 * can never both assign a copy (on PostgreSQL the second waits for the row and then sees it taken).
 */
export const assignIfUnassigned = async (ex: Executor, copyId: string, userId: string, now: string) =>
  changed(
    await ex
      .updateTable('copies')
      .set({ assigned_to: userId, updated_at: now, row_version: sql`row_version + 1` })
      .where('id', '=', copyId)
      .where('status', '=', 'READY')
      .where('assigned_to', 'is', null)
      .executeTakeFirst(),
  );

/** Moves a copy only if it is still with `from` and still untouched, checked in the same statement. */
export const moveIfUntouched = async (ex: Executor, copyId: string, from: string, to: string, now: string) =>
  changed(
    await ex
      .updateTable('copies')
      .set({ assigned_to: to, updated_at: now, row_version: sql`row_version + 1` })
      .where('id', '=', copyId)
      .where('status', '=', 'READY')
      .where('assigned_to', '=', from)
      .where((eb) => untouched(eb, now))
      .executeTakeFirst(),
  );

/**
 * Reassigns one copy unless someone other than the new assignee holds a live edit lease on it (they would lose
 * the copy in the middle of grading). `expected` is the assignee the caller read, so a concurrent change wins.
 */
export const setAssigneeIfFree = (ex: Executor, copyId: string, expected: string | null, userId: string | null, now: string) => {
  let q = ex
    .updateTable('copies')
    .set({ assigned_to: userId, updated_at: now, row_version: sql`row_version + 1` })
    .where('id', '=', copyId)
    .where('status', '<>', 'MERGED')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('copy_locks')
            .select('copy_locks.copy_id')
            .whereRef('copy_locks.copy_id', '=', 'copies.id')
            .where('copy_locks.expires_at', '>', now)
            .$if(userId !== null, (s) => s.where('copy_locks.owner_id', '<>', userId!)),
        ),
      ),
    );
  q = expected === null ? q.where('assigned_to', 'is', null) : q.where('assigned_to', '=', expected);
  return q.returningAll().executeTakeFirst();
};

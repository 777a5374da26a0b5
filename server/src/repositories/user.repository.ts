import type { Executor } from '../db/database.ts';
import type { UsersTable } from '../db/schema.ts';
import type { Insertable, Updateable } from 'kysely';

export const findUserByEmail = (ex: Executor, email: string) =>
  ex.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();

export const findUserById = (ex: Executor, id: string) =>
  ex.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

export const insertUser = (ex: Executor, row: Insertable<UsersTable>) => ex.insertInto('users').values(row).execute();

export const updateUser = (ex: Executor, id: string, patch: Updateable<UsersTable>) =>
  ex.updateTable('users').set(patch).where('id', '=', id).execute();

/** Users with, for student accounts, the class of their roster entry (the Users page filters by it). */
export const listUsers = (ex: Executor, opts: { role?: string; limit: number; after?: string }) => {
  let q = ex
    .selectFrom('users')
    .leftJoin('students', 'students.user_id', 'users.id')
    .selectAll('users')
    .select('students.class_name')
    .orderBy('users.email')
    .limit(opts.limit + 1);
  if (opts.role) q = q.where('users.role', '=', opts.role as UsersTable['role']);
  if (opts.after) q = q.where('users.email', '>', opts.after);
  return q.execute();
};

export const countAdmins = async (ex: Executor) =>
  Number(
    (await ex.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).where('role', '=', 'ADMIN').executeTakeFirstOrThrow()).n,
  );

/** Counts a failed login; past the threshold the account is locked until `lockedUntil`. One statement. */
export const recordFailedLogin = (ex: Executor, id: string, threshold: number, lockedUntil: string) =>
  ex
    .updateTable('users')
    .set((eb) => ({
      failed_logins: eb('failed_logins', '+', 1),
      locked_until: eb.case().when('failed_logins', '>=', threshold - 1).then(lockedUntil).else(eb.ref('locked_until')).end(),
    }))
    .where('id', '=', id)
    .execute();

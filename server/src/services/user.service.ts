import type { AppContext, Actor } from '../context.ts';
import type { User, UserPage } from '@korrigo/contracts';
import type { UsersTable } from '../db/schema.ts';
import { notFound, validation } from '../errors.ts';
import * as users from '../repositories/user.repository.ts';
import { deleteUserSessions } from '../repositories/session.repository.ts';
import { requireRole } from './access.ts';
import { createUser, toUserDto } from './auth.service.ts';
import { audit } from './audit.service.ts';

export async function createUserAsAdmin(
  ctx: AppContext,
  actor: Actor,
  input: { email: string; displayName: string; role: UsersTable['role']; password: string },
): Promise<User> {
  requireRole(actor, 'ADMIN');
  const user = await createUser(ctx, input);
  await audit(ctx.db, actor, 'USER_CREATED', 'user', user.id, { email: user.email, role: user.role }, ctx.clock.now().toISOString());
  return user;
}

export async function listUsers(ctx: AppContext, actor: Actor, q: { role?: UsersTable['role']; limit: number; cursor?: string }): Promise<UserPage> {
  requireRole(actor, 'ADMIN');
  const rows = await users.listUsers(ctx.db, { role: q.role, limit: q.limit, after: q.cursor });
  const page = rows.slice(0, q.limit);
  return { items: page.map((u) => ({ ...toUserDto(u), className: u.class_name })), nextCursor: rows.length > q.limit ? page[page.length - 1]!.email : null };
}

/** Users are never deleted (everything they did points at them): they are deactivated, which ends their sessions. */
export async function updateUser(ctx: AppContext, actor: Actor, id: string, input: { displayName?: string; isActive?: boolean }): Promise<User> {
  requireRole(actor, 'ADMIN');
  if (id === actor.id && input.isActive === false) throw validation('You cannot deactivate your own account');
  await ctx.db.transaction().execute(async (tx) => {
    if (!(await users.findUserById(tx, id))) throw notFound('User');
    await users.updateUser(tx, id, {
      ...(input.displayName !== undefined ? { display_name: input.displayName } : {}),
      ...(input.isActive !== undefined ? { is_active: input.isActive ? 1 : 0 } : {}),
    });
    if (input.isActive === false) await deleteUserSessions(tx, id);
    await audit(tx, actor, 'USER_UPDATED', 'user', id, input, ctx.clock.now().toISOString());
  });
  return toUserDto((await users.findUserById(ctx.db, id))!);
}

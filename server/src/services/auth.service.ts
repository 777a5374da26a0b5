import { hash, verify } from '@node-rs/argon2';
import type { User } from '@korrigo/contracts';
import type { AppContext, Actor } from '../context.ts';
import { AppError, validation } from '../errors.ts';
import { iso, newId, randomToken, sha256Hex } from '../ids.ts';
import * as users from '../repositories/user.repository.ts';
import * as sessions from '../repositories/session.repository.ts';
import type { UsersTable } from '../db/schema.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { assertLoginAllowedFrom, rateLimited, recordLoginFailureFrom } from './security.service.ts';

const LOCKOUT_THRESHOLD = 10;
const LOCKOUT_MS = 15 * 60_000;
/**
 * A session ends after this long without a request (the grading desk's lease heartbeat keeps an open desk
 * alive), and in any case `config.sessionTtlMs` after login — the cookie's own lifetime.
 */
export const SESSION_IDLE_MS = 2 * 3600_000;
// a hash to verify against when the email is unknown, so timing does not tell which emails exist
let dummyHash: Promise<string> | null = null;

export const hashPassword = (password: string) => hash(password);

export function toUserDto(u: Pick<UsersTable, 'id' | 'email' | 'display_name' | 'role' | 'must_change_password' | 'is_active' | 'created_at'>): User {
  return {
    id: u.id,
    email: u.email,
    displayName: u.display_name,
    role: u.role,
    mustChangePassword: u.must_change_password === 1,
    isActive: u.is_active === 1,
    createdAt: u.created_at,
  };
}

/**
 * `previousToken` is the session cookie the browser already had: it is ended, so every login starts a new
 * session id (no session fixation) and the old one cannot be replayed.
 */
export async function login(
  ctx: AppContext,
  email: string,
  password: string,
  meta: { ip?: string; userAgent?: string; previousToken?: string },
) {
  assertLoginAllowedFrom(ctx, meta.ip);
  const now = ctx.clock.now();
  const user = await users.findUserByEmail(ctx.db, email);
  if (!user || user.is_active !== 1) {
    dummyHash ??= hash('not-a-real-password');
    await verify(await dummyHash, password).catch(() => false);
    recordLoginFailureFrom(ctx, meta.ip);
    throw new AppError('UNAUTHENTICATED', 401, 'Wrong email or password');
  }
  if (user.locked_until && user.locked_until > now.toISOString()) {
    throw rateLimited(Date.parse(user.locked_until) - now.getTime(), 'Too many failed attempts on this account: try again later');
  }
  const ok = await verify(user.password_hash, password).catch(() => false);
  // a provisioned one-time password works once; after that only a changed password opens the account
  if (!ok || (user.must_change_password === 1 && user.one_time_used_at)) {
    await users.recordFailedLogin(ctx.db, user.id, LOCKOUT_THRESHOLD, iso(ctx.clock, LOCKOUT_MS));
    recordLoginFailureFrom(ctx, meta.ip);
    throw new AppError('UNAUTHENTICATED', 401, 'Wrong email or password');
  }
  const token = randomToken();
  const at = now.toISOString();
  await ctx.db.transaction().execute(async (tx) => {
    if (meta.previousToken && meta.previousToken.length <= 100) await sessions.deleteSession(tx, sha256Hex(meta.previousToken));
    await users.updateUser(tx, user.id, {
      failed_logins: 0,
      locked_until: null,
      ...(user.must_change_password === 1 ? { one_time_used_at: at } : {}),
    });
    await sessions.insertSession(tx, {
      id: sha256Hex(token),
      user_id: user.id,
      created_at: at,
      last_seen_at: at,
      expires_at: iso(ctx.clock, Math.min(SESSION_IDLE_MS, ctx.config.sessionTtlMs)),
      ip: meta.ip ?? null,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
    });
  });
  return { token, user: toUserDto(user) };
}

/**
 * Resolves a session cookie to an actor. The expiry slides by the idle timeout (at most once a minute) but
 * never past the absolute limit counted from login.
 */
export async function authenticate(ctx: AppContext, token: string | undefined) {
  if (!token || token.length > 100) return null;
  const id = sha256Hex(token);
  const now = ctx.clock.now();
  const row = await sessions.findSessionWithUser(ctx.db, id, now.toISOString());
  if (!row) return null;
  if (now.getTime() - Date.parse(row.last_seen_at) > 60_000) {
    const idleUntil = now.getTime() + SESSION_IDLE_MS;
    const absoluteUntil = Date.parse(row.session_created_at) + ctx.config.sessionTtlMs;
    await sessions.touchSession(ctx.db, id, now.toISOString(), new Date(Math.min(idleUntil, absoluteUntil)).toISOString());
  }
  return {
    actor: { id: row.id, role: row.role, displayName: row.display_name, sessionId: id } satisfies Actor,
    user: toUserDto(row),
  };
}

/** The signed-in user's own account (GET /auth/me). */
export async function me(ctx: AppContext, actor: Actor) {
  const u = await users.findUserById(ctx.db, actor.id);
  if (!u) throw new AppError('UNAUTHENTICATED', 401, 'The session no longer has an account');
  return toUserDto(u);
}

export async function logout(ctx: AppContext, actor: Actor, everywhere = false) {
  if (everywhere) await sessions.deleteUserSessions(ctx.db, actor.id);
  else if (actor.sessionId) await sessions.deleteSession(ctx.db, actor.sessionId);
}

export async function changePassword(ctx: AppContext, actor: Actor, currentPassword: string, newPassword: string) {
  const user = await users.findUserById(ctx.db, actor.id);
  if (!user) throw new AppError('UNAUTHENTICATED', 401, 'Please log in');
  if (!(await verify(user.password_hash, currentPassword).catch(() => false))) {
    throw validation('The current password is wrong', { field: 'currentPassword' });
  }
  if (currentPassword === newPassword) throw validation('The new password must differ from the current one', { field: 'newPassword' });
  const passwordHash = await hash(newPassword);
  await ctx.db.transaction().execute(async (tx) => {
    await users.updateUser(tx, actor.id, { password_hash: passwordHash, must_change_password: 0, one_time_used_at: null });
    await sessions.deleteUserSessions(tx, actor.id, actor.sessionId);
  });
}

export async function createUser(
  ctx: AppContext,
  input: { email: string; displayName: string; role: UsersTable['role']; password: string; mustChangePassword?: boolean },
) {
  const email = input.email.trim().toLowerCase();
  if (await users.findUserByEmail(ctx.db, email)) throw new AppError('CONFLICT', 409, `A user with email ${email} already exists`);
  const row = {
    id: newId(),
    email,
    display_name: input.displayName,
    role: input.role,
    password_hash: await hash(input.password),
    is_active: 1,
    must_change_password: input.mustChangePassword ? 1 : 0,
    one_time_used_at: null,
    locked_until: null,
    created_at: ctx.clock.now().toISOString(),
  };
  try {
    await users.insertUser(ctx.db, row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('CONFLICT', 409, `A user with email ${email} already exists`);
    throw err;
  }
  return toUserDto({ ...row });
}

/** When no admin exists: create one from the environment, or with a generated password printed once. */
export async function bootstrapAdmin(ctx: AppContext): Promise<{ email: string; password: string | null } | null> {
  if ((await users.countAdmins(ctx.db)) > 0) return null;
  const email = ctx.config.adminEmail ?? 'admin@korrigo.local';
  const generated = ctx.config.adminPassword ? null : randomToken(12);
  try {
    await createUser(ctx, {
      email,
      displayName: 'Administrator',
      role: 'ADMIN',
      password: ctx.config.adminPassword ?? generated!,
      mustChangePassword: generated !== null,
    });
  } catch (err) {
    // scaled mode: another API process starting at the same moment created it first
    if (err instanceof AppError && err.code === 'CONFLICT' && (await users.countAdmins(ctx.db)) > 0) return null;
    throw err;
  }
  return { email, password: generated };
}

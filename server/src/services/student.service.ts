/**
 * The roster: CSV import (upsert by student number), search for the identification desk, and provisioning of
 * student accounts with one-time passwords.
 */
import crypto from 'node:crypto';
import type { ImportResult, Student, StudentPage } from '@korrigo/contracts';
import type { AppContext, Actor } from '../context.ts';
import type { StudentsTable } from '../db/schema.ts';
import { forbidden, validation } from '../errors.ts';
import { newId } from '../ids.ts';
import * as students from '../repositories/student.repository.ts';
import { findUserById, insertUser, updateUser } from '../repositories/user.repository.ts';
import { deleteUserSessions } from '../repositories/session.repository.ts';
import { loadExamToManage, requireRole } from './access.ts';
import { audit } from './audit.service.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { hashPassword } from './auth.service.ts';
import { foldText, parseRoster, searchKeyOf } from './student.csv.ts';
import { csvLine } from './export.csv.ts';
import { renderSlips } from '../pdf/slips.ts';

export function studentDto(s: StudentsTable, copy?: { copy_id: string | null; anonymous_code: string | null }): Student {
  return {
    id: s.id,
    studentNumber: s.student_number,
    lastName: s.last_name,
    firstName: s.first_name,
    email: s.email,
    className: s.class_name,
    hasAccount: s.user_id !== null,
    ...(copy ? { copyInExam: copy.copy_id ? { copyId: copy.copy_id, anonymousCode: copy.anonymous_code! } : null } : {}),
    updatedAt: s.updated_at,
  };
}

/**
 * Bad rows are reported with their line and skipped; good rows are written in one transaction (each by one
 * statement, so never half). Only rows whose values really change are written and counted: re-importing the
 * same file reports created 0, updated 0.
 */
export async function importRoster(ctx: AppContext, actor: Actor, body: Buffer): Promise<ImportResult> {
  requireRole(actor, 'ADMIN');
  if (!Buffer.isBuffer(body)) throw validation('Send the CSV file itself as the request body, with Content-Type: text/csv');
  if (body.length === 0) throw validation('The file is empty');
  const parsed = parseRoster(body);
  const now = ctx.clock.now().toISOString();
  const result = await ctx.db.transaction().execute(async (tx) => {
    const existing = new Map((await students.studentsByNumbers(tx, parsed.rows.map((r) => r.studentNumber))).map((s) => [s.student_number, s]));
    const writes: StudentsTable[] = [];
    let created = 0;
    let updated = 0;
    for (const r of parsed.rows) {
      const old = existing.get(r.studentNumber);
      const email = r.email !== undefined ? r.email : (old?.email ?? null);
      const className = r.className !== undefined ? r.className : (old?.class_name ?? null);
      if (old && old.last_name === r.lastName && old.first_name === r.firstName && old.email === email && old.class_name === className) continue;
      if (old) updated++;
      else created++;
      writes.push({
        id: old?.id ?? newId(),
        student_number: r.studentNumber,
        last_name: r.lastName,
        first_name: r.firstName,
        email,
        class_name: className,
        search_key: searchKeyOf(r),
        user_id: old?.user_id ?? null,
        created_at: old?.created_at ?? now,
        updated_at: now,
      });
    }
    await students.upsertStudents(tx, writes, parsed.present);
    await audit(tx, actor, 'ROSTER_IMPORTED', 'students', null, { created, updated, errors: parsed.errors.length, rows: parsed.rows.length }, now);
    return { created, updated, unchanged: parsed.rows.length - created - updated };
  });
  return { ...result, errors: parsed.errors, ignoredColumns: parsed.ignoredColumns, encoding: parsed.encoding, delimiter: parsed.delimiter };
}

export async function listStudents(
  ctx: AppContext,
  actor: Actor,
  q: { q?: string; className?: string; examId?: string; limit: number; cursor?: string },
): Promise<StudentPage> {
  // the whole roster is the exam office's; an exam's owner searches it for that exam's identification desk
  requireRole(actor, 'ADMIN', 'TEACHER');
  if (actor.role === 'TEACHER') {
    if (!q.examId) throw forbidden();
    await loadExamToManage(ctx.db, actor, q.examId);
  }
  const words = q.q ? foldText(q.q).split(' ').filter(Boolean).slice(0, 8) : [];
  const rows = await students.searchStudents(ctx.db, { words, className: q.className, examId: q.examId, limit: q.limit, after: q.cursor });
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((r) => studentDto(r, q.examId ? r : undefined)),
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.student_number : null,
  };
}

// ---------------------------------------------------------------- accounts

/** 57 symbols without look-alikes (0/O, 1/l/I): 12 of them ≈ 70 bits, typed from a sheet of paper. */
const OTP_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
export function oneTimePassword(): string {
  const groups: string[] = [];
  for (let g = 0; g < 3; g++) {
    let s = '';
    for (let i = 0; i < 4; i++) s += OTP_ALPHABET[crypto.randomInt(OTP_ALPHABET.length)];
    groups.push(s);
  }
  return groups.join('-');
}

/** Students without an email (or whose email is another user's) log in as `<number>@students.invalid`. */
const generatedEmail = (studentNumber: string) => {
  const local = foldText(studentNumber).replace(/[^a-z0-9._-]/g, '-').replace(/^[.-]+|[.-]+$/g, '');
  return local ? `${local}@students.invalid` : null;
};

class LostRace extends Error {}
const HASH_CONCURRENCY = 4;

/**
 * Creates STUDENT accounts with random one-time passwords (argon2id-hashed; must_change_password = 1, so the
 * first login forces a change and the password never works twice) and returns them once, as CSV. There is no
 * default or shared password. A student who already has an account is skipped unless `reset`.
 * Each student is one transaction: a failure (an email taken meanwhile) skips that student, never another.
 */
export async function provisionAccounts(ctx: AppContext, actor: Actor, input: { studentIds?: string[]; reset?: boolean }) {
  requireRole(actor, 'ADMIN');
  const targets = input.studentIds
    ? await students.studentsByIds(ctx.db, [...new Set(input.studentIds)])
    : await students.studentsWithoutAccount(ctx.db);
  if (input.studentIds && targets.length !== new Set(input.studentIds).size) throw validation('Some studentIds are not in the roster');

  const lines: { number: string; email: string; password: string; lastName: string; firstName: string; className: string | null }[] = [];
  const skipped: { studentNumber: string; reason: string }[] = [];
  const taken = await students.emailsTaken(ctx.db, targets.flatMap((s) => [s.email, generatedEmail(s.student_number)].filter((e): e is string => !!e)));

  // plan first (sequentially, so two students sharing an email do not both claim it), then hash and write
  type Plan = { s: StudentsTable; kind: 'create'; email: string } | { s: StudentsTable; kind: 'reset'; userId: string; email: string };
  const plans: Plan[] = [];
  for (const s of targets) {
    if (s.user_id) {
      const user = input.reset ? await findUserById(ctx.db, s.user_id) : undefined;
      if (!input.reset) skipped.push({ studentNumber: s.student_number, reason: 'already has an account' });
      else if (!user || user.role !== 'STUDENT') skipped.push({ studentNumber: s.student_number, reason: 'linked account is not a student account' });
      else plans.push({ s, kind: 'reset', userId: user.id, email: user.email });
      continue;
    }
    const email = [s.email, generatedEmail(s.student_number)].find((e): e is string => !!e && !taken.has(e));
    if (!email) {
      skipped.push({ studentNumber: s.student_number, reason: 'no free login email' });
      continue;
    }
    taken.add(email);
    plans.push({ s, kind: 'create', email });
  }

  const provisionOne = async (p: Plan) => {
    const password = oneTimePassword();
    const hash = await hashPassword(password);
    const now = ctx.clock.now().toISOString();
    try {
      await ctx.db.transaction().execute(async (tx) => {
        if (p.kind === 'reset') {
          await updateUser(tx, p.userId, { password_hash: hash, must_change_password: 1, one_time_used_at: null, failed_logins: 0, locked_until: null, is_active: 1 });
          await deleteUserSessions(tx, p.userId);
          return;
        }
        const userId = newId();
        await insertUser(tx, {
          id: userId,
          email: p.email,
          display_name: `${p.s.first_name} ${p.s.last_name}`,
          role: 'STUDENT',
          password_hash: hash,
          is_active: 1,
          must_change_password: 1,
          one_time_used_at: null,
          locked_until: null,
          created_at: now,
        });
        if ((await students.linkAccountIfNone(tx, p.s.id, userId, now)) === 0) throw new LostRace();
      });
      lines.push({ number: p.s.student_number, email: p.email, password, lastName: p.s.last_name, firstName: p.s.first_name, className: p.s.class_name });
    } catch (err) {
      if (err instanceof LostRace) skipped.push({ studentNumber: p.s.student_number, reason: 'got an account meanwhile' });
      else if (isUniqueViolation(err)) skipped.push({ studentNumber: p.s.student_number, reason: `login email ${p.email} was taken meanwhile` });
      else throw err;
    }
  };
  // argon2 runs on the libuv pool: a few at a time keeps a whole-school provisioning in seconds, not minutes
  for (let i = 0; i < plans.length; i += HASH_CONCURRENCY) await Promise.all(plans.slice(i, i + HASH_CONCURRENCY).map(provisionOne));
  lines.sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0));
  await audit(ctx.db, actor, 'STUDENTS_PROVISIONED', 'students', null, { provisioned: lines.length, reset: !!input.reset, skipped }, ctx.clock.now().toISOString());
  return { accounts: lines, provisioned: lines.length, skipped };
}

/** The accounts as CSV: the first three columns are the contract of API.md; name and class are appended. */
export const accountsCsv = (accounts: Awaited<ReturnType<typeof provisionAccounts>>['accounts']) =>
  csvLine(['student_number', 'email', 'one_time_password', 'last_name', 'first_name', 'class_name'].map((text) => ({ text })), ';') +
  accounts.map((l) => csvLine([{ text: l.number }, { text: l.email }, { text: l.password }, { text: l.lastName }, { text: l.firstName }, { text: l.className }], ';')).join('');

/** The accounts as printable slips, in class then name order (the order a teacher hands them out). */
export function accountSlips(ctx: AppContext, accounts: Awaited<ReturnType<typeof provisionAccounts>>['accounts'], loginUrl: string) {
  const sorted = [...accounts].sort(
    (a, b) => (a.className ?? '').localeCompare(b.className ?? '') || a.lastName.localeCompare(b.lastName) || a.firstName.localeCompare(b.firstName),
  );
  return renderSlips(
    sorted.map((a) => ({ name: `${a.lastName} ${a.firstName}`, className: a.className, login: a.email, password: a.password })),
    { url: loginUrl, language: ctx.config.documentLanguage },
  );
}

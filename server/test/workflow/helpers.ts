/**
 * Factories of the school-workflow tests: roster CSVs, provisioned student accounts logged in over HTTP, and
 * copies taken to GRADED directly (scores + the state machine + a stored "PDF"), as the grading flow would.
 */
import { login, type Client, type TestEnv } from '../helpers/harness.ts';
import { insertBlob } from '../../src/repositories/blob.repository.ts';
import { insertScoreIfAbsent, insertUnscoredMarks, listScores } from '../../src/repositories/score.repository.ts';
import { listQuestions } from '../../src/repositories/exam.repository.ts';
import { transition } from '../../src/services/copy-state-machine.ts';
import { computeTotal, leafQuestions } from '../../src/services/total.ts';

export const csvHeaders = { 'content-type': 'text/csv' };

export async function importCsv(admin: Client, csv: string | Buffer) {
  return admin.req('POST', '/api/v1/students/import', typeof csv === 'string' ? Buffer.from(csv, 'utf8') : csv, csvHeaders);
}

/** Parses the provisioning CSV (`;`, CRLF, header first; name and class appended after the first three columns). */
export function parseAccounts(csv: string) {
  const [header, ...lines] = csv.split('\r\n').filter(Boolean);
  if (header !== 'student_number;email;one_time_password;last_name;first_name;class_name') throw new Error(`bad header ${header}`);
  return lines.map((l) => {
    const [studentNumber, email, password] = l.split(';');
    return { studentNumber: studentNumber!, email: email!, password: password! };
  });
}

export const NEW_PASSWORD = 'a new and long password';

/** Provisions accounts for the given students, logs each in with its one-time password, changes it. */
export async function studentClients(env: TestEnv, admin: Client, studentIds: string[]) {
  const res = await admin.req('POST', '/api/v1/students/provision', { studentIds });
  if (res.status !== 200) throw new Error(`provision ${res.status} ${res.raw.toString()}`);
  const accounts = parseAccounts(res.raw.toString('utf8'));
  const out: Client[] = [];
  for (const a of accounts) {
    const c = await login(env.app, a.email, a.password);
    const ch = await c.req('POST', '/api/v1/auth/change-password', { currentPassword: a.password, newPassword: NEW_PASSWORD });
    if (ch.status !== 204) throw new Error(`change-password ${ch.status} ${JSON.stringify(ch.body)}`);
    out.push(c);
  }
  return out;
}

/** Imports a roster and returns the students (by number) as the API lists them. */
export async function makeStudents(admin: Client, rows: [number: string, last: string, first: string, className?: string][]) {
  const csv = 'student_number;last_name;first_name;class_name\n' + rows.map((r) => r.join(';')).join('\n') + '\n';
  const res = await importCsv(admin, csv);
  if (res.status !== 200 || res.body.errors.length) throw new Error(`import ${res.status} ${JSON.stringify(res.body)}`);
  const out = new Map<string, { id: string; studentNumber: string; lastName: string; firstName: string }>();
  for (const [n] of rows) {
    const l = await admin.req('GET', `/api/v1/students?q=${encodeURIComponent(n)}`);
    const s = l.body.items.find((i: { studentNumber: string }) => i.studentNumber === n);
    out.set(n, s);
  }
  return out;
}

/**
 * Scores a copy (points per leaf question id, with optional comments) and takes it READY → GRADING_IN_PROGRESS →
 * GRADED with a stored PDF, through the state machine (scores already on the copy stay). Returns the total and
 * the PDF bytes.
 */
export async function gradeCopy(
  env: TestEnv,
  copyId: string,
  examId: string,
  byUserId: string,
  points: Record<string, number>,
  comments: Record<string, string> = {},
  /** questions the teacher left "not scored" (as submit/finalize with allowUnscored would mark them) */
  notScored: string[] = [],
) {
  const { ctx } = env;
  const questions = await listQuestions(ctx.db, examId);
  const now = ctx.clock.now().toISOString();
  const pdf = Buffer.from(`%PDF-1.4\n% final copy ${copyId}\n%%EOF\n`);
  const file = await ctx.blobs.put(pdf, 'application/pdf');
  return ctx.db.transaction().execute(async (tx) => {
    for (const [questionId, p] of Object.entries(points)) {
      const q = questions.find((x) => x.id === questionId)!;
      await insertScoreIfAbsent(tx, { copyId, questionId, maxPoints: q.max_points, points: p, comment: comments[questionId] ?? null, by: byUserId, now });
    }
    if (notScored.length) await insertUnscoredMarks(tx, copyId, notScored, byUserId, now);
    const total = computeTotal(await listScores(tx, copyId), new Set(leafQuestions(questions).map((q) => q.id)));
    await transition(tx, 'finalize', copyId, { actorId: byUserId, now });
    await insertBlob(tx, file, now);
    await transition(tx, 'finalizeOk', copyId, { actorId: null, now }, { blobId: file.id, finalScore: total });
    return { total, pdf };
  });
}

import { createTestEnv, leafIds, listen, makeCopy, makeExam, makeUser, overHttp, type Client, type TestEnv } from '../helpers/harness.ts';

/** An exam (leaves 1a /4, 1b /6, 2 /10), an admin and `teachers` correctors, over real HTTP. */
export async function rubricWorld(teachers = 2, config: Parameters<typeof createTestEnv>[0] = { config: { leaseTtlMs: 60_000 } }) {
  const env = await createTestEnv(config);
  const base = await listen(env);
  const adminInject = await makeUser(env, 'ADMIN');
  const admin = overHttp(base, adminInject);
  const raw = await Promise.all(Array.from({ length: teachers }, () => makeUser(env, 'TEACHER')));
  const exam = await makeExam(admin, raw);
  const [q1a, q1b, q2] = leafIds(exam) as [string, string, string];
  return { env, base, admin, adminInject, teachers: raw.map((t) => overHttp(base, t)), exam, q1a, q1b, q2 };
}

export type World = Awaited<ReturnType<typeof rubricWorld>>;

export async function item(c: Client, examId: string, body: Record<string, unknown>) {
  const r = await c.req('POST', `/api/v1/exams/${examId}/rubric-items`, body);
  if (r.status !== 201) throw new Error(`item ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.item as { id: string; version: number; points: number };
}

export async function lock(c: Client, copyId: string, questionId?: string) {
  return c.req('POST', `/api/v1/copies/${copyId}/lock`, questionId ? { questionId } : undefined);
}

export async function apply(c: Client, copyId: string, questionId: string, token: string, body: Record<string, unknown>) {
  return c.req('PUT', `/api/v1/copies/${copyId}/questions/${questionId}/rubric`, body, { 'x-lock-token': token });
}

export const totalOf = async (env: TestEnv, copyId: string) =>
  (await env.ctx.db.selectFrom('scores').select('points').where('copy_id', '=', copyId).execute()).reduce((s, r) => s + r.points, 0);

export { makeCopy };

/** Shared seeding through the HTTP API (with the direct fallback while uploads are missing). */
import { ApiClient, createUser, makeScanPdf, missing, type Server, waitFor } from './harness';

export const SCALE = [
  { label: 'Exercise 1', children: [{ label: 'Q1', maxPoints: 400 }, { label: 'Q2', maxPoints: 600 }] },
  { label: 'Exercise 2', children: [{ label: 'Q3', maxPoints: 1000 }] },
];

export async function seedExam(admin: ApiClient, title: string, pagesPerCopy = 2) {
  const r = await admin.ok('POST', '/exams', { title, examDate: '2026-06-15', pagesPerCopy, questions: SCALE });
  return r.exam as { id: string; questions: { id: string; label: string; isLeaf: boolean }[]; maxTotal: number };
}

/** Copies in READY: a scan uploaded through the API, processed by the server, then validated. */
export async function seedReadyCopies(_server: Server, admin: ApiClient, examId: string, names: string[], pagesPerCopy = 2): Promise<{ ids: string[] }> {
  const pdf = await makeScanPdf(names.length, pagesPerCopy, names);
  const up = await admin.req('POST', `/exams/${examId}/uploads?mode=BATCH`, undefined, { raw: { data: pdf, type: 'application/pdf' } });
  if (missing(up)) throw new Error('this server has no upload route (POST /exams/:id/uploads)');
  if (up.status >= 300) throw new Error(`upload → ${up.status} ${JSON.stringify(up.body)}`);
  const uploadId = (up.body.upload ?? up.body).id as string;
  const done = await waitFor(async () => {
    const u = await admin.ok('GET', `/uploads/${uploadId}`);
    const info = u.upload ?? u;
    if (info.status === 'FAILED') throw new Error(`upload failed: ${info.error}`);
    return info.status === 'DONE' ? info : null;
  }, 60_000);
  const ids: string[] = done.copyIds;
  for (const id of ids) {
    const c = await admin.ok('GET', `/copies/${id}`);
    if (c.status === 'STAGING') await admin.ok('POST', `/copies/${id}/validate`);
  }
  return { ids };
}

export async function seedTeachers(admin: ApiClient, examId: string, names: string[]) {
  const teachers = [];
  for (const n of names) teachers.push(await createUser(admin, 'TEACHER', n));
  await admin.ok('PUT', `/exams/${examId}/correctors`, { userIds: teachers.map((t) => t.id) });
  return teachers;
}

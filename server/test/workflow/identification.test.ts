import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeCopy, makeExam, makeUser, parallel, type Client, type TestEnv } from '../helpers/harness.ts';
import { makeStudents } from './helpers.ts';

describe(`identification [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let teacher: Client;
  let students: Awaited<ReturnType<typeof makeStudents>>;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    teacher = await makeUser(env, 'TEACHER');
    students = await makeStudents(admin, [
      ['7001', 'Bernard', 'Léo', '4A'],
      ['7002', 'Moreau', 'Jade', '4A'],
      ['7003', 'Fournier', 'Noé', '4B'],
    ]);
  });
  afterAll(() => env.close());

  const events = async (copyId: string) =>
    (await admin.req('GET', `/api/v1/copies/${copyId}/events`)).body.items.map((e: { action: string; metadata: Record<string, unknown> }) => ({
      action: e.action,
      ...e.metadata,
    }));

  it('lists unidentified copies with their header image, identifies, un-identifies, with audit events', async () => {
    const exam = await makeExam(admin, [teacher]);
    const a = await makeCopy(env, exam.id);
    const b = await makeCopy(env, exam.id, { status: 'STAGING' });
    const leo = students.get('7001')!;

    const queue = await admin.req('GET', `/api/v1/exams/${exam.id}/identification`);
    expect(queue.status).toBe(200);
    expect(queue.body.counts).toEqual({ identified: 0, unidentified: 2 });
    expect(queue.body.items.map((i: { id: string }) => i.id).sort()).toEqual([a, b].sort());
    const item = queue.body.items.find((i: { id: string }) => i.id === a);
    // the URL names the page now first and its rotation (scan repair changes both; browsers cache page images)
    expect(item.headerImageUrl).toMatch(new RegExp(`^/api/v1/copies/${a}/pages/0/image\\?p=[^&]+&r=0$`));
    expect(queue.body.headerCrop).toMatchObject({ x: 0, y: 0, w: 1 });
    expect((await admin.req('GET', item.headerImageUrl)).headers['content-type']).toBe('image/jpeg');

    const id = await admin.req('POST', `/api/v1/copies/${a}/identify`, { studentId: leo.id });
    expect(id.status).toBe(200);
    expect(id.body.student).toMatchObject({ id: leo.id, studentNumber: '7001', lastName: 'Bernard' });
    // identification works on a copy still in STAGING too (it usually happens before validation)
    expect((await admin.req('POST', `/api/v1/copies/${b}/identify`, { studentId: students.get('7002')!.id })).status).toBe(200);

    const after = await admin.req('GET', `/api/v1/exams/${exam.id}/identification?filter=identified`);
    expect(after.body.counts).toEqual({ identified: 2, unidentified: 0 });
    expect(after.body.items.find((i: { id: string }) => i.id === a).student.firstName).toBe('Léo');

    // the search of the desk tells which student already has a copy of this exam
    const search = await admin.req('GET', `/api/v1/students?q=leo&examId=${exam.id}`);
    expect(search.body.items[0].copyInExam).toMatchObject({ copyId: a });

    // re-identifying to the same student changes nothing and records nothing
    await admin.req('POST', `/api/v1/copies/${a}/identify`, { studentId: leo.id });
    const un = await admin.req('DELETE', `/api/v1/copies/${a}/identify`);
    expect(un.status).toBe(200);
    expect(un.body.student).toBeNull();
    expect((await admin.req('GET', `/api/v1/copies/${a}`)).body.student).toBeNull();
    expect((await events(a)).filter((e: { action: string }) => e.action.endsWith('IDENTIFIED'))).toEqual([
      { action: 'IDENTIFIED', studentId: leo.id, previousStudentId: null },
      { action: 'UNIDENTIFIED', previousStudentId: leo.id },
    ]);
  });

  it('refuses a second copy for one student with 409 STUDENT_ALREADY_HAS_COPY; the same student may own one copy per exam', async () => {
    const exam = await makeExam(admin);
    const other = await makeExam(admin);
    const [c1, c2] = [await makeCopy(env, exam.id), await makeCopy(env, exam.id)];
    const c3 = await makeCopy(env, other.id);
    const jade = students.get('7002')!;
    expect((await admin.req('POST', `/api/v1/copies/${c1}/identify`, { studentId: jade.id })).status).toBe(200);
    const dup = await admin.req('POST', `/api/v1/copies/${c2}/identify`, { studentId: jade.id });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('STUDENT_ALREADY_HAS_COPY');
    expect(dup.body.otherCopy.id).toBe(c1);
    expect((await admin.req('GET', `/api/v1/copies/${c2}`)).body.student).toBeNull();
    expect((await events(c2)).some((e: { action: string }) => e.action === 'IDENTIFIED')).toBe(false);
    expect((await admin.req('POST', `/api/v1/copies/${c3}/identify`, { studentId: jade.id })).status).toBe(200);

    expect((await admin.req('POST', `/api/v1/copies/${c2}/identify`, { studentId: 'no-such-student' })).status).toBe(404);
    expect((await admin.req('POST', `/api/v1/copies/no-such-copy/identify`, { studentId: jade.id })).status).toBe(404);
    expect((await admin.req('POST', `/api/v1/copies/${c2}/identify`, {})).status).toBe(400);
  });

  it('two desks identifying two copies to the same student at once: exactly one wins (the UNIQUE constraint decides)', async () => {
    const noe = students.get('7003')!;
    for (let round = 0; round < 5; round++) {
      const exam = await makeExam(admin);
      const copies = await parallel(4, () => makeCopy(env, exam.id));
      const admins = await parallel(4, () => makeUser(env, 'ADMIN'));
      const results = await parallel(4, (i) => admins[i]!.req('POST', `/api/v1/copies/${copies[i]}/identify`, { studentId: noe.id }));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 409, 409, 409]);
      for (const r of results) if (r.status === 409) expect(r.body.code).toBe('STUDENT_ALREADY_HAS_COPY');
      const owned = await env.ctx.db.selectFrom('copies').select('id').where('exam_id', '=', exam.id).where('student_id', '=', noe.id).execute();
      expect(owned).toHaveLength(1);
      const identifiedEvents = await env.ctx.db
        .selectFrom('grading_events')
        .select('copy_id')
        .where('copy_id', 'in', copies)
        .where('action', '=', 'IDENTIFIED')
        .execute();
      expect(identifiedEvents.map((e) => e.copy_id)).toEqual(owned.map((o) => o.id));
    }
  });

  it('hides identity from teachers of an anonymous exam, shows it once the admin lifts anonymity', async () => {
    const exam = await makeExam(admin, [teacher]);
    const c = await makeCopy(env, exam.id);
    await admin.req('POST', `/api/v1/copies/${c}/identify`, { studentId: students.get('7001')!.id });
    expect((await teacher.req('GET', `/api/v1/copies/${c}`)).body.student).toBeNull();
    const list = await teacher.req('GET', `/api/v1/exams/${exam.id}/copies`);
    expect(list.body.items[0].student).toBeNull();
    expect((await admin.req('PATCH', `/api/v1/exams/${exam.id}`, { anonymous: false })).body.exam.anonymous).toBe(false);
    expect((await teacher.req('GET', `/api/v1/copies/${c}`)).body.student).toMatchObject({ studentNumber: '7001' });
  });
});

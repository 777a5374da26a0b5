/**
 * Issue 16: a teacher runs a test of their own (exam owner), and attendance per exam flows into the exports and
 * the statistics. HTTP through app.inject, on the engine of KORRIGO_TEST_DB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, leafIds, makeCopy, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import { gradeCopy, makeStudents } from './helpers.ts';

const a = '/api/v1';

describe(`exam owners and attendance [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
  });
  afterAll(async () => env?.close());

  it('a teacher creates an exam, owns it and runs it end to end; another teacher and their own exam stay apart', async () => {
    const owner = await makeUser(env, 'TEACHER', 'owner-a');
    const ownerB = await makeUser(env, 'TEACHER', 'owner-b');
    const colleague = await makeUser(env, 'TEACHER', 'colleague');
    const students = await makeStudents(admin, [['OWN1', 'Martin', 'Léa', '4C'], ['OWN2', 'Petit', 'Noé', '4C']]);

    const created = await owner.req('POST', `${a}/exams`, { title: 'Contrôle 4C', pagesPerCopy: 1, questions: [{ label: 'Q1', maxPoints: 1000 }] });
    expect(created.status).toBe(201);
    const exam = created.body.exam;
    expect(exam.owner).toEqual({ id: owner.user.id, displayName: owner.user.displayName });
    expect(exam.correctors.map((c: { id: string }) => c.id)).toEqual([owner.user.id]);
    const examB = (await ownerB.req('POST', `${a}/exams`, { title: 'Test B', pagesPerCopy: 1, questions: [{ label: 'Q', maxPoints: 100 }] })).body.exam;

    // the owner's admin rights, on their exam: scale, correctors, identification, dispatch, release, exports, stats
    expect((await owner.req('PATCH', `${a}/exams/${exam.id}`, { title: 'Contrôle 4C (bis)' })).status).toBe(200);
    expect((await owner.req('PUT', `${a}/exams/${exam.id}/correctors`, { userIds: [owner.user.id, colleague.user.id] })).status).toBe(200);
    const staging = await makeCopy(env, exam.id, { status: 'STAGING' });
    expect((await owner.req('GET', `${a}/students?q=martin&examId=${exam.id}`)).body.items.map((s: { studentNumber: string }) => s.studentNumber)).toEqual(['OWN1']);
    expect((await owner.req('POST', `${a}/copies/${staging}/identify`, { studentId: students.get('OWN1')!.id })).status).toBe(200);
    expect((await owner.req('POST', `${a}/copies/${staging}/validate`)).status).toBe(200);
    const dispatched = await owner.req('POST', `${a}/exams/${exam.id}/dispatch`);
    expect(dispatched.status).toBe(200);
    expect(dispatched.body.assigned).toBe(1);
    await gradeCopy(env, staging, exam.id, owner.user.id, { [leafIds(exam)[0]!]: 750 });
    expect((await owner.req('POST', `${a}/exams/${exam.id}/release`)).status).toBe(200);
    expect((await owner.req('GET', `${a}/exams/${exam.id}/export.csv?format=plain`)).status).toBe(200);
    expect((await owner.req('GET', `${a}/exams/${exam.id}/stats`)).status).toBe(200);
    // the owner sees names on their own exam, even though it is anonymous for its correctors
    const list = await owner.req('GET', `${a}/exams/${exam.id}/copies`);
    expect(list.body.items[0].student.lastName).toBe('Martin');
    const colleagueList = await colleague.req('GET', `${a}/exams/${exam.id}/copies`);
    expect(JSON.stringify(colleagueList.body)).not.toContain('Martin');

    // the colleague corrects but does not run it; the owner of exam B has no part in exam A, and conversely
    expect((await colleague.req('POST', `${a}/exams/${exam.id}/unrelease`)).status).toBe(403);
    expect((await colleague.req('PATCH', `${a}/exams/${exam.id}`, { title: 'x' })).status).toBe(403);
    for (const [url, method, body] of [
      [`${a}/exams/${exam.id}`, 'GET', undefined],
      [`${a}/exams/${exam.id}`, 'PATCH', { title: 'hijacked' }],
      [`${a}/exams/${exam.id}/release`, 'POST', undefined],
      [`${a}/exams/${exam.id}/attendance`, 'GET', undefined],
      [`${a}/exams/${exam.id}/export.csv?format=plain`, 'GET', undefined],
      [`${a}/copies/${staging}/reopen`, 'POST', undefined],
      [`${a}/students?q=martin&examId=${exam.id}`, 'GET', undefined],
    ] as const) {
      expect((await ownerB.req(method, url, body)).status, `${method} ${url}`).toBe(404);
    }
    expect((await owner.req('GET', `${a}/exams/${examB.id}`)).status).toBe(404);
    expect((await owner.req('GET', `${a}/exams`)).body.items.map((e: { id: string }) => e.id)).toEqual([exam.id]);
    // a teacher never reads the roster without an exam they run; nor hands an exam over
    expect((await owner.req('GET', `${a}/students?q=martin`)).status).toBe(403);
    expect((await owner.req('PATCH', `${a}/exams/${exam.id}`, { ownerId: colleague.user.id })).status).toBe(403);
    // the admin hands it to the colleague: the former owner keeps grading it, no more
    expect((await admin.req('PATCH', `${a}/exams/${exam.id}`, { ownerId: colleague.user.id })).body.exam.owner.id).toBe(colleague.user.id);
    expect((await owner.req('POST', `${a}/exams/${exam.id}/unrelease`)).status).toBe(403);
    expect((await colleague.req('POST', `${a}/exams/${exam.id}/unrelease`)).status).toBe(200);
    expect((await admin.req('PATCH', `${a}/exams/${exam.id}`, { ownerId: students.get('OWN2')!.id })).status).toBe(400);
  });

  it('attendance: set from the roster, cleared by identification, refused beside a copy, written as codes in the exports and excluded from statistics', async () => {
    const owner = await makeUser(env, 'TEACHER');
    const s = await makeStudents(admin, [
      ['ATT1', 'Abel', 'Ana', '5A'],
      ['ATT2', 'Blanc', 'Ben', '5A'],
      ['ATT3', 'Colin', 'Cyd', '5A'],
      ['ATT4', 'Dupuis', 'Dan', '5A'],
      ['ATT5', 'Ernst', 'Eve', '5A'],
      ['ATTX', 'Other', 'Class', '6B'],
    ]);
    const id = (n: string) => s.get(n)!.id;
    const exam = (await owner.req('POST', `${a}/exams`, { title: 'Attendance', pagesPerCopy: 1, questions: [{ label: 'Q', maxPoints: 2000 }] })).body.exam;
    const q = leafIds(exam)[0]!;

    // before any copy: the roster covers the classes asked for
    const empty = await owner.req('GET', `${a}/exams/${exam.id}/attendance?class=5A`);
    expect(empty.status).toBe(200);
    expect(empty.body.items.map((i: { student: { studentNumber: string } }) => i.student.studentNumber)).toEqual(['ATT1', 'ATT2', 'ATT3', 'ATT4', 'ATT5']);
    expect(empty.body.counts).toEqual({ present: 0, absent: 0, excused: 0, exempt: 0, unknown: 5 });

    // two copies graded (ATT1 14/20, ATT2 forgotten: identified, not graded)
    const c1 = await makeCopy(env, exam.id, { status: 'STAGING' });
    const c2 = await makeCopy(env, exam.id, { status: 'STAGING' });
    const c3 = await makeCopy(env, exam.id, { status: 'STAGING' });
    await owner.req('POST', `${a}/copies/${c1}/identify`, { studentId: id('ATT1') });
    await owner.req('POST', `${a}/copies/${c2}/identify`, { studentId: id('ATT2') });
    await owner.req('POST', `${a}/copies/${c1}/validate`);
    await gradeCopy(env, c1, exam.id, owner.user.id, { [q]: 1400 });

    const put = (n: string, status: string | null) => owner.req('PUT', `${a}/exams/${exam.id}/attendance/${id(n)}`, { status });
    expect((await put('ATT3', 'ABSENT')).body).toEqual({ studentId: id('ATT3'), status: 'ABSENT' });
    expect((await put('ATT4', 'EXCUSED')).status).toBe(200);
    expect((await put('ATT5', 'EXEMPT')).status).toBe(200);
    expect((await put('ATT5', 'ABSENT')).status).toBe(200);
    expect((await put('ATT5', 'EXEMPT')).status).toBe(200); // changed twice: the last one stands
    // a student with a copy was present: no status beside it, nothing written
    const refused = await put('ATT1', 'ABSENT');
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('STUDENT_ALREADY_HAS_COPY');
    // bad input: an unknown status, an unknown student
    expect((await owner.req('PUT', `${a}/exams/${exam.id}/attendance/${id('ATT3')}`, { status: 'PRESENT' })).status).toBe(400);
    expect((await owner.req('PUT', `${a}/exams/${exam.id}/attendance/${exam.id}`, { status: 'ABSENT' })).status).toBe(404);

    const roster = await owner.req('GET', `${a}/exams/${exam.id}/attendance`);
    expect(roster.body.classes).toEqual(['5A']);
    const statusOf = Object.fromEntries(roster.body.items.map((i: { student: { studentNumber: string }; status: string | null }) => [i.student.studentNumber, i.status]));
    expect(statusOf).toEqual({ ATT1: 'PRESENT', ATT2: 'PRESENT', ATT3: 'ABSENT', ATT4: 'EXCUSED', ATT5: 'EXEMPT' });
    expect(roster.body.counts).toEqual({ present: 2, absent: 1, excused: 1, exempt: 1, unknown: 0 });
    const audit = await env.ctx.db.selectFrom('audit_log').select('metadata').where('action', '=', 'ATTENDANCE_SET').where('target_id', '=', exam.id).execute();
    expect(audit).toHaveLength(5);

    // statistics: one graded copy, the three without a copy counted apart, never as zeros
    const stats = await owner.req('GET', `${a}/exams/${exam.id}/stats`);
    expect(stats.body.excluded).toEqual({ absent: 1, excused: 1, exempt: 1 });
    expect(stats.body.graded).toBe(1);
    expect(stats.body.total.mean).toBe(1400);
    expect(stats.body.total.count).toBe(1);

    // Pronote: codes instead of a mark; the forgotten copy has an empty mark, not a code
    const pronote = (await owner.req('GET', `${a}/exams/${exam.id}/export.csv?format=pronote&scale=20`)).raw.toString('utf8');
    const rows = pronote.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean).map((l) => l.split(';'));
    expect(rows[0]).toEqual(['Nom', 'Prénom', 'Classe', 'Numéro', 'Copie', 'Note', 'Remarque']);
    // (c3, not identified yet, is a row of its own without a student)
    const named = rows.slice(1).filter((r) => r[3]);
    const note = Object.fromEntries(named.map((r) => [r[3], r[5]]));
    expect(note).toEqual({ ATT1: '14', ATT2: '', ATT3: 'Abs', ATT4: 'Abs', ATT5: 'Disp' });
    // nothing was left "not scored": every Remarque (issue 11's column) is empty, absent students' included
    expect(named.map((r) => r[6])).toEqual(['', '', '', '', '']);
    expect(named.map((r) => r[0])).toEqual(['Abel', 'Blanc', 'Colin', 'Dupuis', 'Ernst']);
    // plain: the status column says which
    const plain = (await owner.req('GET', `${a}/exams/${exam.id}/export.csv?format=plain`)).raw.toString('utf8');
    const prow = plain.split('\r\n').filter(Boolean).map((l) => l.split(','));
    expect(prow[0]!.slice(0, 8)).toEqual(['student_number', 'last_name', 'first_name', 'class_name', 'anonymous_code', 'status', 'total', 'max_total']);
    const st = Object.fromEntries(prow.slice(1).filter((r) => r[0]).map((r) => [r[0], [r[5], r[6]]]));
    expect(st).toEqual({ ATT1: ['GRADED', '14'], ATT2: ['STAGING', ''], ATT3: ['ABSENT', ''], ATT4: ['EXCUSED', ''], ATT5: ['EXEMPT', ''] });

    // the absent student turns up: identifying their copy clears the status, and the event says so
    expect((await owner.req('POST', `${a}/copies/${c3}/identify`, { studentId: id('ATT3') })).status).toBe(200);
    const after = await owner.req('GET', `${a}/exams/${exam.id}/attendance`);
    expect(after.body.counts).toEqual({ present: 3, absent: 0, excused: 1, exempt: 1, unknown: 0 });
    const ev = await env.ctx.db.selectFrom('grading_events').select('metadata').where('copy_id', '=', c3).where('action', '=', 'IDENTIFIED').executeTakeFirstOrThrow();
    expect(JSON.parse(ev.metadata).clearedAttendance).toBe('ABSENT');
    expect(await env.ctx.db.selectFrom('exam_attendance').select('status').where('exam_id', '=', exam.id).where('student_id', '=', id('ATT3')).execute()).toEqual([]);
    // clearing a status
    expect((await put('ATT4', null)).body.status).toBeNull();
    expect((await owner.req('GET', `${a}/exams/${exam.id}/stats`)).body.excluded).toEqual({ absent: 0, excused: 0, exempt: 1 });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeCopy, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import { gradeCopy, makeStudents, studentClients } from './helpers.ts';

/**
 * Issue 11: a question the teacher left "not scored" is shown as such in the CSV exports, the student's page and
 * the copy, and the statistics leave it out (counting it apart) instead of counting it 0. Totals are over the
 * scored questions; exercises carry their subtotal.
 */
describe(`questions left "not scored" in results, exports and statistics [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let teacher: Client;
  let student: Client;
  let exam: Awaited<ReturnType<typeof makeExam>>;
  const codes: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const q = (label: string) => exam.questions.find((x) => x.label === label)!.id;

  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    teacher = await makeUser(env, 'TEACHER', 'nn-teacher');
    const s = await makeStudents(admin, [
      ['7001', 'Arnaud', 'Léo', '4C'],
      ['7002', 'Bernard', 'Inès', '4C'],
      ['7003', 'Caron', 'Noé', '4C'],
    ]);
    student = (await studentClients(env, admin, [s.get('7002')!.id]))[0]!;
    exam = await makeExam(admin, [teacher], {
      title: 'Physique',
      questions: [{ label: 'Ex1', children: [{ label: '1a', maxPoints: 400 }, { label: '1b', maxPoints: 600 }] }, { label: 'Ex2', maxPoints: 1000 }],
    });
    const make = async (key: string, number: string) => {
      const id = await makeCopy(env, exam.id);
      await admin.req('POST', `/api/v1/copies/${id}/identify`, { studentId: s.get(number)!.id });
      codes[key] = (await admin.req('GET', `/api/v1/copies/${id}`)).body.anonymousCode;
      ids[key] = id;
      return id;
    };
    // everything scored / 1b left not scored / nothing scored at all
    await gradeCopy(env, await make('full', '7001'), exam.id, teacher.user.id, { [q('1a')]: 400, [q('1b')]: 200, [q('Ex2')]: 600 });
    await gradeCopy(env, await make('partial', '7002'), exam.id, teacher.user.id, { [q('1a')]: 300, [q('Ex2')]: 800 }, {}, [q('1b')]);
    await gradeCopy(env, await make('none', '7003'), exam.id, teacher.user.id, {}, {}, [q('1a'), q('1b'), q('Ex2')]);
  });
  afterAll(() => env.close());

  it('plain CSV: "non noté" in the question cells, exercise subtotals over the scored questions, a column naming them', async () => {
    const res = await admin.req('GET', `/api/v1/exams/${exam.id}/export.csv?format=plain`);
    expect(res.status).toBe(200);
    expect(res.raw.toString('utf8')).toBe(
      'student_number,last_name,first_name,class_name,anonymous_code,status,total,max_total,Ex1,1a,1b,Ex2,not_scored\r\n' +
        `7001,Arnaud,Léo,4C,${codes.full},GRADED,12,20,6,4,2,6,\r\n` +
        `7002,Bernard,Inès,4C,${codes.partial},GRADED,11,20,3,3,non noté,8,1b\r\n` +
        `7003,Caron,Noé,4C,${codes.none},GRADED,,20,non noté,non noté,non noté,non noté,"1a, 1b, Ex2"\r\n`,
    );
  });

  it('Pronote CSV: the total over the scored questions, no mark when nothing was scored, and a remark naming them', async () => {
    const res = await admin.req('GET', `/api/v1/exams/${exam.id}/export.csv?format=pronote&scale=20`);
    expect(res.raw.toString('utf8')).toBe(
      '\uFEFFNom;Prénom;Classe;Numéro;Copie;Note;Remarque\r\n' +
        `Arnaud;Léo;4C;7001;${codes.full};12;\r\n` +
        `Bernard;Inès;4C;7002;${codes.partial};11;non noté : 1b\r\n` +
        `Caron;Noé;4C;7003;${codes.none};;non noté : 1a, 1b, Ex2\r\n`,
    );
  });

  it('statistics leave "not scored" out of each question (counted apart), not as 0', async () => {
    const st = (await teacher.req('GET', `/api/v1/exams/${exam.id}/stats?bins=2`)).body;
    expect(st).toMatchObject({ graded: 3, notScoredCopies: 2 });
    const byLabel = Object.fromEntries(st.questions.map((x: { label: string }) => [x.label, x]));
    // 1b: only the full copy scored it (200); with 0s for the others the mean would be 66.67
    expect(byLabel['1b']).toMatchObject({ count: 1, notScored: 2, mean: 200, min: 200, max: 200 });
    expect(byLabel['1a']).toMatchObject({ count: 2, notScored: 1, mean: 350 });
    expect(byLabel['Ex2']).toMatchObject({ count: 2, notScored: 1, mean: 700, min: 600, max: 800 });
    // an exercise counts on the copies where every question below it was scored
    expect(byLabel['Ex1']).toMatchObject({ isLeaf: false, count: 1, notScored: 2, mean: 600 });
    expect(byLabel['1b'].histogram.map((h: { count: number }) => h.count)).toEqual([1, 0]);
    // totals are over the scored questions; a copy with none scored has no total to count
    expect(st.total).toMatchObject({ count: 2, min: 1100, max: 1200, mean: 1150 });
    expect(st.correctors).toEqual([expect.objectContaining({ count: 2, mean: 1150 })]);
  });

  it("the student's page and the copy say which questions are not scored and give exercise subtotals", async () => {
    expect((await admin.req('POST', `/api/v1/exams/${exam.id}/release`)).status).toBe(200);
    const mine = (await student.req('GET', '/api/v1/me/copies')).body.items;
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ id: ids.partial, total: 1100, maxTotal: 2000, notScored: ['1b'] });
    const byLabel = Object.fromEntries(mine[0].questions.map((x: { label: string }) => [x.label, x]));
    expect(byLabel['1b']).toMatchObject({ isLeaf: true, notScored: true, points: 0 });
    expect(byLabel['1a']).toMatchObject({ notScored: false, points: 300 });
    expect(byLabel['Ex1']).toMatchObject({ isLeaf: false, notScored: false, points: 300, maxPoints: 1000 });

    const copy = (await admin.req('GET', `/api/v1/copies/${ids.partial}`)).body;
    expect(copy.notScored).toEqual([q('1b')]);
    expect(copy.subtotals).toEqual([{ questionId: q('Ex1'), points: 300, leaves: 2, notScored: 1 }]);
    const none = (await admin.req('GET', `/api/v1/copies/${ids.none}`)).body;
    expect(none.subtotals).toEqual([{ questionId: q('Ex1'), points: null, leaves: 2, notScored: 2 }]);
    expect(none.total).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeCopy, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import { gradeCopy, makeStudents } from './helpers.ts';
import { distribution } from '../../src/services/stats.service.ts';
import { zipEntryNames } from '../../src/services/export.service.ts';
import { formatPoints } from '@korrigo/contracts/points';
import { rescale, textCell } from '../../src/services/export.csv.ts';

/** Reads a ZIP's central directory (stored entries): name → bytes. Enough to check what the server streamed. */
function readZip(buf: Buffer): Map<string, Buffer> {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('no end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central header');
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    if (method !== 0) throw new Error(`entry ${name} is compressed (method ${method})`);
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    out.set(name, buf.subarray(dataStart, dataStart + size));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

describe('CSV cells, points and statistics (pure)', () => {
  it('neutralises formula cells and quotes what must be quoted', () => {
    expect(['=1+1', '+33', '-2', '@SUM(A1)', '\tx', '\rx', 'ok', 'a;b', 'say "hi"', 'two\nlines'].map((v) => textCell(v, ';'))).toEqual([
      "'=1+1", "'+33", "'-2", "'@SUM(A1)", "'\tx", `"'\rx"`, 'ok', '"a;b"', '"say ""hi"""', '"two\nlines"',
    ]);
    // the full-width forms, which Apple Numbers turns into formulas; a lone line end is quoted, else it splits the row
    expect(['\uFF1D1+1', '\uFF20x', 'a\rb', '\n'].map((v) => textCell(v, ';'))).toEqual(["'\uFF1D1+1", "'\uFF20x", '"a\rb"', '"\n"']);
  });
  it('formats hundredths with at most two decimals and rescales half up', () => {
    expect([1250, 1200, 1234, 5, 0, 1675].map((v) => formatPoints(v, { decimal: ',' }))).toEqual(['12,5', '12', '12,34', '0,05', '0', '16,75']);
    expect(rescale(1333, 2500, 20)).toBe(1066); // 10.664
    expect(rescale(1231, 2500, 20)).toBe(985); // 9.848
    expect(rescale(1, 16, 20)).toBe(125); // 1/16 of the max → exactly 1.25 /20
    expect(rescale(1, 1600, 10)).toBe(1); // 0.625 hundredths → half up is 1
  });
  it('computes a distribution by hand-checked values (population sd, median of an even count, max in the last bin)', () => {
    expect(distribution([400, 1000, 600, 200], 1000, 4)).toEqual({
      count: 4,
      mean: 550,
      median: 500,
      sd: 295.8, // sqrt(((-150)² + 450² + 50² + (-350)²) / 4) = sqrt(87500) = 295.804
      min: 200,
      max: 1000,
      histogram: [
        { from: 0, to: 250, count: 1 },
        { from: 250, to: 500, count: 1 },
        { from: 500, to: 750, count: 1 },
        { from: 750, to: 1000, count: 1 },
      ],
    });
    expect(distribution([], 1000, 2)).toMatchObject({ count: 0, mean: null, median: null, sd: null, histogram: [{ count: 0 }, { count: 0 }] });
  });
  it('names ZIP entries by student, unique ignoring case, ASCII only', () => {
    const row = (id: string, last: string | null, first: string | null, number: string | null, code = id) => ({
      id, anonymous_code: code, student_id: last ? `s-${id}` : null, last_name: last, first_name: first, student_number: number,
    });
    const names = zipEntryNames([
      row('1', 'Lefèvre', 'Zoë', 'A/1'),
      row('2', 'Lefèvre', 'Zoë', 'a-1'),
      row('3', '../../etc', 'passwd', '1'),
      row('4', null, null, null, 'C0004-ab'),
    ]);
    expect([...names.values()]).toEqual(['Lefevre_Zoe_A-1.pdf', 'Lefevre_Zoe_a-1_2.pdf', 'etc_passwd_1.pdf', 'C0004-ab.pdf']);
  });
});

describe(`exports and statistics [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let ta: Client;
  let tb: Client;
  let exam: Awaited<ReturnType<typeof makeExam>>;
  const codes: Record<string, string> = {};
  const pdfs: Record<string, Buffer> = {};
  const q = (label: string) => exam.questions.find((x) => x.label === label)!.id;

  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    ta = await makeUser(env, 'TEACHER', 'ta-teacher');
    tb = await makeUser(env, 'TEACHER', 'tb-teacher');
    const s = await makeStudents(admin, [
      ['9001', 'Dupont', 'Élodie', '3A'],
      ['9002', '"=HYPERLINK(""http://x"")"', '"Léa, Marie"', '3A'],
      ['9003', 'Zola', 'Émile', '3B'],
    ]);
    exam = await makeExam(admin, [ta, tb], {
      title: 'Maths — Bac blanc',
      questions: [{ label: 'Ex1', children: [{ label: '1a', maxPoints: 400 }, { label: '1b', maxPoints: 600 }] }, { label: 'Ex2', maxPoints: 1500 }],
    });
    const make = async (key: string, student: string | null, assignee: Client) => {
      const id = await makeCopy(env, exam.id);
      if (student) await admin.req('POST', `/api/v1/copies/${id}/identify`, { studentId: s.get(student)!.id });
      await admin.req('PUT', `/api/v1/copies/${id}/assignee`, { userId: assignee.user.id });
      codes[key] = (await admin.req('GET', `/api/v1/copies/${id}`)).body.anonymousCode;
      return id;
    };
    const dupont = await make('dupont', '9001', ta);
    const hyper = await make('hyper', '9002', ta);
    await make('zola', '9003', tb);
    const anon = await make('anon', null, tb);
    pdfs.dupont = (await gradeCopy(env, dupont, exam.id, ta.user.id, { [q('1a')]: 400, [q('1b')]: 350, [q('Ex2')]: 500 })).pdf;
    pdfs.hyper = (await gradeCopy(env, hyper, exam.id, ta.user.id, { [q('1a')]: 375, [q('1b')]: 600, [q('Ex2')]: 700 })).pdf;
    // no score on 1b: it counts 0, in the total as in the statistics
    pdfs.anon = (await gradeCopy(env, anon, exam.id, tb.user.id, { [q('1a')]: 333, [q('Ex2')]: 1000 })).pdf;
  });
  afterAll(() => env.close());

  it('exports Pronote CSV byte for byte: BOM, `;`, CRLF, comma decimals, formula-safe cells', async () => {
    const res = await admin.req('GET', `/api/v1/exams/${exam.id}/export.csv?format=pronote`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="Maths-Bac-blanc-pronote.csv"; filename*=UTF-8''${encodeURIComponent('Maths — Bac blanc-pronote')}.csv`,
    );
    const golden = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(
        'Nom;Prénom;Classe;Numéro;Copie;Note;Remarque\r\n' +
          `"'=HYPERLINK(""http://x"")";Léa, Marie;3A;9002;${codes.hyper};16,75;\r\n` +
          `Dupont;Élodie;3A;9001;${codes.dupont};12,5;\r\n` +
          `Zola;Émile;3B;9003;${codes.zola};;\r\n` +
          `;;;;${codes.anon};13,33;\r\n`,
        'utf8',
      ),
    ]);
    expect(res.raw.toString('hex')).toBe(golden.toString('hex'));

    const scaled = await admin.req('GET', `/api/v1/exams/${exam.id}/export.csv?format=pronote&scale=20`);
    const lines = scaled.raw.toString('utf8').split('\r\n');
    expect(lines.slice(1, 5).map((l) => l.split(';').at(-2))).toEqual(['13,4', '10', '', '10,66']);
  });

  it('exports plain CSV: `,`, CRLF, dot decimals, per-question columns (exercises with their subtotal), no BOM', async () => {
    const res = await admin.req('GET', `/api/v1/exams/${exam.id}/export.csv?format=plain`);
    expect(res.raw.toString('utf8')).toBe(
      'student_number,last_name,first_name,class_name,anonymous_code,status,total,max_total,Ex1,1a,1b,Ex2,not_scored\r\n' +
        `9002,"'=HYPERLINK(""http://x"")","Léa, Marie",3A,${codes.hyper},GRADED,16.75,25,9.75,3.75,6,7,\r\n` +
        `9001,Dupont,Élodie,3A,${codes.dupont},GRADED,12.5,25,7.5,4,3.5,5,\r\n` +
        `9003,Zola,Émile,3B,${codes.zola},READY,,25,,,,,\r\n` +
        `,,,,${codes.anon},GRADED,13.33,25,3.33,3.33,0,10,\r\n`,
    );
    expect((await admin.req('GET', `/api/v1/exams/${exam.id}/export.csv?scale=0`)).status).toBe(400);
    expect((await admin.req('GET', `/api/v1/exams/${exam.id}/export.csv?format=xlsx`)).status).toBe(400);
  });

  it('streams a ZIP of the final PDFs of GRADED copies, named by student', async () => {
    const res = await admin.req('GET', `/api/v1/exams/${exam.id}/export.zip`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(Number(res.headers['content-length'])).toBe(res.raw.length);
    const entries = readZip(res.raw);
    expect([...entries.keys()]).toEqual(['HYPERLINK-http-x_Lea-Marie_9002.pdf', 'Dupont_Elodie_9001.pdf', `${codes.anon}.pdf`]);
    expect(entries.get('Dupont_Elodie_9001.pdf')!.equals(pdfs.dupont!)).toBe(true);
    expect(entries.get('HYPERLINK-http-x_Lea-Marie_9002.pdf')!.equals(pdfs.hyper!)).toBe(true);
    expect(entries.get(`${codes.anon}.pdf`)!.equals(pdfs.anon!)).toBe(true);

    const empty = await makeExam(admin);
    const none = await admin.req('GET', `/api/v1/exams/${empty.id}/export.zip`);
    expect(none.status).toBe(200);
    expect(readZip(none.raw).size).toBe(0);
  });

  it('computes statistics equal to hand-computed values', async () => {
    const res = await ta.req('GET', `/api/v1/exams/${exam.id}/stats?bins=5`);
    expect(res.status).toBe(200);
    const st = res.body;
    expect(st).toMatchObject({ maxTotal: 2500, copies: 4, graded: 3 });
    // totals 1250, 1675, 1333
    expect(st.total).toEqual({
      count: 3,
      mean: 1419.33,
      median: 1333,
      sd: 183.93,
      min: 1250,
      max: 1675,
      histogram: [
        { from: 0, to: 500, count: 0 },
        { from: 500, to: 1000, count: 0 },
        { from: 1000, to: 1500, count: 2 },
        { from: 1500, to: 2000, count: 1 },
        { from: 2000, to: 2500, count: 0 },
      ],
    });
    const byLabel = Object.fromEntries(st.questions.map((x: { label: string }) => [x.label, x]));
    expect(byLabel['1a']).toMatchObject({ isLeaf: true, count: 3, mean: 369.33, median: 375, sd: 27.64, min: 333, max: 400 });
    expect(byLabel['1a'].histogram.map((h: { count: number }) => h.count)).toEqual([0, 0, 0, 0, 3]);
    expect(byLabel['1b']).toMatchObject({ mean: 316.67, median: 350, sd: 246.08, min: 0, max: 600 });
    expect(byLabel['Ex1']).toMatchObject({ isLeaf: false, maxPoints: 1000, mean: 686, median: 750, sd: 265.97, min: 333, max: 975 });
    expect(byLabel['Ex1'].histogram.map((h: { count: number }) => h.count)).toEqual([0, 1, 0, 1, 1]);
    expect(byLabel['Ex2']).toMatchObject({ mean: 733.33, median: 700, sd: 205.48 });
    expect(st.correctors).toEqual([
      expect.objectContaining({ user: { id: ta.user.id, displayName: 'ta-teacher' }, count: 2, mean: 1462.5, median: 1462.5, sd: 212.5, min: 1250, max: 1675 }),
      expect.objectContaining({ user: { id: tb.user.id, displayName: 'tb-teacher' }, count: 1, mean: 1333, median: 1333, sd: 0 }),
    ]);
    expect((await admin.req('GET', `/api/v1/exams/${exam.id}/stats`)).body.total.histogram).toHaveLength(10);
  });
});

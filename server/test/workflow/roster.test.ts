import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, login, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import { importCsv, NEW_PASSWORD, parseAccounts } from './helpers.ts';

describe(`roster import, search and student accounts [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
  });
  afterAll(() => env.close());

  const student = async (number: string) =>
    env.ctx.db.selectFrom('students').selectAll().where('student_number', '=', number).executeTakeFirst();

  it('reads UTF-8 with a BOM, `;`, French headers, quoted multi-line fields, and reports bad lines by their number', async () => {
    const csv =
      '\uFEFFNuméro;Nom;Prénom;Classe;Courriel\r\n' + // line 1
      '1001;Dupont;Élodie;3A;elodie.dupont@eleves.test\r\n' + // 2
      '1002;"Martin\r\nDurand";Chloé;3A;\r\n' + // 3-4: one record over two lines
      '1003;;Paul;3B;\r\n' + // 5: no last name
      '\r\n' + // 6: blank
      '1001;Dupont;Jeanne;3A;\r\n' + // 7: duplicate number
      '1004;"Le; Goff";"Anne ""Nan""";3C;ANNE@Eleves.TEST\r\n' + // 8
      '1005;Bad;Email;3C;not-an-email\r\n' + // 9
      '1006;Œuvray;Zoë;3C;\r\n'; // 10
    const res = await importCsv(admin, csv);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 4, updated: 0, unchanged: 0, encoding: 'utf-8', delimiter: ';' });
    expect(res.body.errors).toEqual([
      { line: 5, message: 'last_name is empty' },
      { line: 7, message: 'student number 1001 already appears on line 2; this line was ignored' },
      { line: 9, message: 'email "not-an-email" is not an email address' },
    ]);
    expect(await student('1001')).toMatchObject({ last_name: 'Dupont', first_name: 'Élodie', class_name: '3A', email: 'elodie.dupont@eleves.test' });
    // the line break inside the quoted name is folded into a space
    expect(await student('1002')).toMatchObject({ last_name: 'Martin Durand', first_name: 'Chloé', email: null });
    expect(await student('1004')).toMatchObject({ last_name: 'Le; Goff', first_name: 'Anne "Nan"', email: 'anne@eleves.test' });
    expect(await student('1006')).toMatchObject({ last_name: 'Œuvray', first_name: 'Zoë' });
    // bad rows wrote nothing at all
    expect(await student('1003')).toBeUndefined();
    expect(await student('1005')).toBeUndefined();
  });

  it('reads Windows-1252 with `,` and English headers; re-importing the same file changes nothing', async () => {
    const text = 'student_number,last_name,first_name,class_name,email\r\n2001,Lefèvre,François,2nde B,\r\n2002,Cœur,Hélène,2nde B,\r\n';
    const bytes = iconv.encode(text, 'windows-1252');
    expect(bytes.includes(0xe8)).toBe(true); // è as one cp1252 byte: not valid UTF-8
    const res = await importCsv(admin, bytes);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 2, updated: 0, errors: [], encoding: 'windows-1252', delimiter: ',' });
    expect(await student('2001')).toMatchObject({ last_name: 'Lefèvre', first_name: 'François', class_name: '2nde B' });
    expect(await student('2002')).toMatchObject({ last_name: 'Cœur', first_name: 'Hélène' });

    const again = await importCsv(admin, bytes);
    expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: 2, errors: [] });

    const changed = await importCsv(admin, iconv.encode(text.replace('2nde B,\r\n2002', '2nde C,\r\n2002'), 'windows-1252'));
    expect(changed.body).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
    expect((await student('2001'))!.class_name).toBe('2nde C');
  });

  it('leaves columns the file does not have untouched, and stores formula-looking cells verbatim', async () => {
    await importCsv(admin, 'numero;nom;prenom;email\n3001;Petit;Léa;lea.petit@eleves.test\n');
    const res = await importCsv(admin, 'numero;nom;prenom;classe\n3001;Petit;Léa;1ère S\n3002;=cmd|\' /C calc\'!A0;@SUM(1+1);+33\n');
    expect(res.body).toMatchObject({ created: 1, updated: 1, errors: [] });
    expect(await student('3001')).toMatchObject({ email: 'lea.petit@eleves.test', class_name: '1ère S' });
    expect(await student('3002')).toMatchObject({ last_name: "=cmd|' /C calc'!A0", first_name: '@SUM(1+1)', class_name: '+33' });
  });

  it('refuses a file without the required columns with a clear 400, and writes nothing', async () => {
    const res = await importCsv(admin, 'numero;nom;classe\n4001;Sans;3A\n');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.detail).toMatch(/Missing required column\(s\): first_name/);
    expect(res.body.missingColumns).toEqual(['first_name']);
    expect(await student('4001')).toBeUndefined();

    for (const body of [Buffer.alloc(0), Buffer.from('\r\n\r\n')]) {
      const empty = await importCsv(admin, body);
      expect(empty.status).toBe(400);
      expect(empty.body.code).toBe('VALIDATION_FAILED');
    }
    const huge = await importCsv(admin, Buffer.alloc(11 * 1024 * 1024, 'a'));
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('PAYLOAD_TOO_LARGE');
    const json = await admin.req('POST', '/api/v1/students/import', { rows: [] });
    expect(json.status).toBe(400);
    expect(json.body.detail).toMatch(/text\/csv/);
  });

  it('reports an unclosed quote on its line and still imports the rows before it', async () => {
    const res = await importCsv(admin, 'numero;nom;prenom\n5001;Bon;Alice\n5002;"Mauvais;Bob\n');
    expect(res.status).toBe(200);
    expect(res.body.created).toBe(1);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].line).toBe(3);
    expect(res.body.errors[0].message).toMatch(/Quote Not Closed/);
  });

  it('reads UTF-16 with a BOM and tabs (Excel "Unicode text")', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode('INE\tNom de famille\tPrénoms\n5101\tÉtienne\tJosé\n', 'utf-16le')]);
    // Windows browsers label .csv files application/vnd.ms-excel
    const res = await admin.req('POST', '/api/v1/students/import', bytes, { 'content-type': 'application/vnd.ms-excel' });
    expect(res.body).toMatchObject({ created: 1, encoding: 'utf-16le', delimiter: '\t', errors: [] });
    expect(await student('5101')).toMatchObject({ last_name: 'Étienne', first_name: 'José' });
  });

  it('searches accent- and case-insensitively on both engines, word by word, wildcards taken literally', async () => {
    const q = async (s: string) =>
      ((await admin.req('GET', `/api/v1/students?q=${encodeURIComponent(s)}`)).body.items as { studentNumber: string }[]).map((i) => i.studentNumber);
    expect(await q('elodie')).toEqual(['1001']);
    expect(await q('DUPONT ÉLODIE')).toEqual(['1001']);
    expect(await q('élodie dupont')).toEqual(['1001']);
    expect(await q('lefevre')).toEqual(['2001']);
    expect(await q('coeur helene')).toEqual(['2002']);
    expect(await q('oeuvray zoe')).toEqual(['1006']);
    expect(await q('200')).toEqual(['2001', '2002']);
    expect(await q('%')).toEqual([]);
    expect(await q('_')).toEqual([]);
    const page1 = await admin.req('GET', '/api/v1/students?limit=2');
    expect(page1.body.items).toHaveLength(2);
    const page2 = await admin.req('GET', `/api/v1/students?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items[0].studentNumber > page1.body.items[1].studentNumber).toBe(true);
  });

  it('provisions accounts with one-time passwords that work once and force a change', async () => {
    await importCsv(admin, 'numero;nom;prenom;email\n6001;Garnier;Hugo;hugo.garnier@eleves.test\n6002;Roux;Inès;\n6003;Taken;Email;taken@school.test\n');
    await makeUser(env, 'TEACHER', 'taken');
    const ids = new Map<string, string>();
    for (const n of ['6001', '6002', '6003']) ids.set(n, (await student(n))!.id);

    const res = await admin.req('POST', '/api/v1/students/provision', { studentIds: [...ids.values()] });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['cache-control']).toBe('no-store');
    const accounts = parseAccounts(res.raw.toString('utf8'));
    expect(accounts.map((a) => [a.studentNumber, a.email])).toEqual([
      ['6001', 'hugo.garnier@eleves.test'],
      ['6002', '6002@students.invalid'],
      ['6003', '6003@students.invalid'], // the roster email belongs to a teacher: never shared
    ]);
    expect(new Set(accounts.map((a) => a.password)).size).toBe(3);
    for (const a of accounts) expect(a.password).toMatch(/^[A-Za-z2-9]{4}-[A-Za-z2-9]{4}-[A-Za-z2-9]{4}$/);

    const hugo = accounts[0]!;
    const c = await login(env.app, hugo.email, hugo.password);
    expect((await c.req('GET', '/api/v1/me/copies')).body.code).toBe('PASSWORD_CHANGE_REQUIRED');
    // the one-time password is spent by the first login
    await expect(login(env.app, hugo.email, hugo.password)).rejects.toThrow(/401/);
    expect((await c.req('POST', '/api/v1/auth/change-password', { currentPassword: hugo.password, newPassword: NEW_PASSWORD })).status).toBe(204);
    expect((await c.req('GET', '/api/v1/me/copies')).status).toBe(200);
    expect((await c.req('GET', '/api/v1/auth/me')).body.user).toMatchObject({ role: 'STUDENT', mustChangePassword: false });

    // provisioning again skips students who have an account
    const again = await admin.req('POST', '/api/v1/students/provision', { studentIds: [ids.get('6001')] });
    expect(parseAccounts(again.raw.toString())).toEqual([]);
    expect(again.headers['x-skipped-count']).toBe('1');
    // …unless a reset is asked: a new one-time password, the old sessions end
    const reset = await admin.req('POST', '/api/v1/students/provision', { studentIds: [ids.get('6001')], reset: true });
    const [fresh] = parseAccounts(reset.raw.toString());
    expect(fresh!.email).toBe(hugo.email);
    expect((await c.req('GET', '/api/v1/auth/me')).status).toBe(401);
    await expect(login(env.app, hugo.email, NEW_PASSWORD)).rejects.toThrow(/401/);
    const c2 = await login(env.app, hugo.email, fresh!.password);
    expect((await c2.req('GET', '/api/v1/me/copies')).body.code).toBe('PASSWORD_CHANGE_REQUIRED');

    // the default is every student without an account
    const all = await admin.req('POST', '/api/v1/students/provision');
    const rest = parseAccounts(all.raw.toString());
    expect(rest.map((a) => a.studentNumber)).toEqual(expect.arrayContaining(['1001', '2001', '5101']));
    expect(rest.map((a) => a.studentNumber)).not.toContain('6001');
    expect(rest.map((a) => a.studentNumber)).not.toContain('6002');
    const unknown = await admin.req('POST', '/api/v1/students/provision', { studentIds: ['nope'] });
    expect(unknown.status).toBe(400);
  });

  it('imports 10 000 rows in reasonable time, and re-imports them as unchanged', async () => {
    const lines = ['numero;nom;prenom;classe;email'];
    for (let i = 0; i < 10_000; i++) lines.push(`X${String(i).padStart(5, '0')};Nom${i};Prénom${i};C${i % 40};x${i}@eleves.test`);
    const csv = lines.join('\r\n') + '\r\n';
    let t = performance.now();
    const res = await importCsv(admin, csv);
    const first = performance.now() - t;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: 10_000, updated: 0, errors: [] });
    t = performance.now();
    const again = await importCsv(admin, csv);
    const second = performance.now() - t;
    expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: 10_000 });
    console.log(`[${engine}] 10k-row roster import: ${first.toFixed(0)} ms, unchanged re-import: ${second.toFixed(0)} ms`);
    expect(first).toBeLessThan(30_000);
    const count = await env.ctx.db.selectFrom('students').select((eb) => eb.fn.countAll().as('n')).where('student_number', 'like', 'X%').executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(10_000);
  });
});

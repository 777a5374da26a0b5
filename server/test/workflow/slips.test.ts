/**
 * Issue 16: `POST /students/provision` answers printable slips as a PDF (Accept: application/pdf or `format`),
 * one per student, 8 per A4 page, text extractable; the CSV stays the default with name and class appended.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDFDocument } from 'pdf-lib';
import { createTestEnv, engine, login, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';
import { makeStudents, parseAccounts } from './helpers.ts';
import { pdfPageText } from '../pdf/pixels.ts';

const OTP = /[A-Za-z2-9]{4}-[A-Za-z2-9]{4}-[A-Za-z2-9]{4}/g;

describe(`student slips [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
  });
  afterAll(async () => env?.close());

  it('answers one slip per student as an extractable PDF, 8 to a page; every password on it works once', async () => {
    const rows: [string, string, string, string][] = Array.from({ length: 11 }, (_, i) => [`SL${String(i).padStart(2, '0')}`, `Élève${String.fromCharCode(65 + i)}`, 'Zoé', i < 6 ? '3A' : '3B']);
    const students = await makeStudents(admin, rows);
    const res = await admin.req('POST', '/api/v1/students/provision', { studentIds: [...students.values()].map((s) => s.id) }, { accept: 'application/pdf' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-provisioned-count']).toBe('11');
    const bytes = new Uint8Array(res.raw);
    expect((await PDFDocument.load(bytes)).getPageCount()).toBe(2);
    const pages = [await pdfPageText(bytes, 0), await pdfPageText(bytes, 1)];
    // one slip per student: each name once in the whole document, 8 on the first page, 3 on the second
    const all = pages.join('\n');
    for (const [, last] of rows) expect(all.split(last).length - 1, last).toBe(1);
    expect(pages.map((p) => (p.match(OTP) ?? []).length)).toEqual([8, 3]);
    expect(all).toContain('Classe : 3A');
    expect(all).toContain('Mot de passe à usage unique');
    expect(all).toContain('http://localhost'); // the address the admin reached the server at
    // each slip carries its own student's login and a working one-time password
    const users = await env.ctx.db.selectFrom('users').innerJoin('students', 'students.user_id', 'users.id').select(['users.email', 'students.last_name']).where('students.student_number', 'like', 'SL%').execute();
    expect(users).toHaveLength(11);
    const first = users.find((u) => u.last_name === 'ÉlèveA')!;
    const slip = all.slice(all.indexOf('ÉlèveA'));
    expect(slip.indexOf(first.email)).toBeGreaterThan(0);
    const password = slip.match(OTP)![0];
    await login(env.app, first.email, password);
    await expect(login(env.app, first.email, password)).rejects.toThrow(/401/);
  });

  it('keeps the CSV as the default, with name and class appended to the three contract columns; format: "pdf" in the body works too', async () => {
    const students = await makeStudents(admin, [['CSV1', 'Durand', 'Léo', '4B'], ['CSV2', 'Roux', 'Ana', '4B']]);
    const csv = await admin.req('POST', '/api/v1/students/provision', { studentIds: [students.get('CSV1')!.id] });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const [account] = parseAccounts(csv.raw.toString('utf8'));
    expect(account!.studentNumber).toBe('CSV1');
    expect(csv.raw.toString('utf8').split('\r\n')[1]!.split(';').slice(3)).toEqual(['Durand', 'Léo', '4B']);
    // the Users page filters student accounts by the class of their roster entry
    const listed = (await admin.req('GET', '/api/v1/users?role=STUDENT&limit=200')).body.items.find((u: { email: string }) => u.email === account!.email);
    expect(listed.className).toBe('4B');
    // Accept listing CSV first keeps the CSV
    const both = await admin.req('POST', '/api/v1/students/provision', { studentIds: [students.get('CSV1')!.id], reset: true }, { accept: 'text/csv, application/pdf' });
    expect(both.headers['content-type']).toBe('text/csv; charset=utf-8');
    const pdf = await admin.req('POST', '/api/v1/students/provision', { studentIds: [students.get('CSV2')!.id], format: 'pdf' });
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(await pdfPageText(new Uint8Array(pdf.raw), 0)).toContain('Roux Ana');
    // a bad format is a 400, and nothing is provisioned
    const [lone] = (await makeStudents(admin, [['CSV3', 'Seul', 'Sam', '4B']])).values();
    const bad = await admin.req('POST', '/api/v1/students/provision', { studentIds: [lone!.id], format: 'docx' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(await env.ctx.db.selectFrom('students').select('user_id').where('student_number', '=', 'CSV3').executeTakeFirstOrThrow()).toEqual({ user_id: null });
  });
});

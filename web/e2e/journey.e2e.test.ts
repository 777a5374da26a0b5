/**
 * The full journey through the UI: admin imports a roster, creates an exam with its scale, uploads a scan,
 * validates and identifies the copies, sets correctors and dispatches → the teacher grades with several tools,
 * reloads mid-way and gets the draft back, submits, finalizes → the admin releases → the student logs in (forced
 * password change), reads the result and downloads the final PDF.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ADMIN, ApiClient, clickOnPage, createUser, dragOnPage, loginUi, makeScanPdf, newContext, type Server, shot, useE2eWorld } from './harness';

let server: Server;
let browser: Browser;
let api: ApiClient;
useE2eWorld((w) => ({ server, browser, admin: api } = w));

const ROSTER = 'student_number;last_name;first_name;email;class_name\r\nS001;Martin;Alice;alice.martin@e2e.test;1A\r\nS002;Durand;Bob;bob.durand@e2e.test;1A\r\nS003;;Nameless;x@e2e.test;1A\r\n';

describe('full journey', () => {
  it('admin → teacher → admin → student', async () => {
    const teacher = await createUser(api, 'TEACHER', 'Teacher Journey');

    // ---------------- admin
    const actx = await newContext(browser, server.base);
    const admin = await actx.newPage();
    await loginUi(admin, ADMIN.email, ADMIN.password);
    await admin.getByRole('heading', { name: 'Exams' }).waitFor();

    // roster import: two rows created, one error with its line
    await admin.getByRole('link', { name: 'Students' }).click();
    await admin.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(ROSTER) });
    await admin.getByRole('button', { name: 'Import' }).click();
    await admin.getByText('2 created, 0 updated.').waitFor();
    expect(await admin.getByRole('table', { name: 'Errors' }).getByRole('cell', { name: '4', exact: true }).count()).toBe(1);
    await shot(admin, 'journey-01-roster');

    // exam with a scale: Exercise 1 (Q1 4, Q2 6), Exercise 2 (Q1 10)
    await admin.getByRole('link', { name: 'Exams' }).click();
    await admin.getByRole('button', { name: 'New exam' }).click();
    const form = admin.getByRole('form', { name: 'New exam' });
    await form.getByLabel('Title').fill('Maths — June mock');
    await form.getByLabel('Date').fill('2026-06-15');
    await form.getByLabel('Pages per copy').fill('2');
    await form.getByLabel('Question 1.1 Max points').fill('4');
    await form.getByRole('button', { name: 'Add question (Exercise 1)' }).click();
    await form.getByLabel('Question 1.2 Max points').fill('6');
    await form.getByRole('button', { name: 'Add exercise' }).click();
    await form.getByLabel('Question 2.1 Max points').fill('10');
    await form.getByText('Total: 20 points').waitFor();
    await shot(admin, 'journey-02-scale');
    await form.getByRole('button', { name: 'Create exam' }).click();
    await admin.getByRole('heading', { name: /Maths — June mock/ }).waitFor();
    const examId = admin.url().split('/exams/')[1]!.split('/')[0]!;

    // scan upload with progress
    const pdf = await makeScanPdf(2, 2, ['Alice Martin', 'Bob Durand']);
    await admin.getByLabel('PDF file').setInputFiles({ name: 'scan.pdf', mimeType: 'application/pdf', buffer: Buffer.from(pdf) });
    await admin.getByRole('button', { name: 'Upload', exact: true }).click();
    await admin.getByText('Done: 4 pages, 2 copies.').waitFor({ timeout: 60_000 });
    await shot(admin, 'journey-03-upload');
    const uploads = await api.ok('GET', `/exams/${examId}/uploads`);
    const copyIds: string[] = (uploads.items ?? uploads)[0].copyIds;
    const nameOf = new Map<string, string>();
    for (const [i, id] of copyIds.entries()) nameOf.set((await api.ok('GET', `/copies/${id}`)).anonymousCode, i === 0 ? 'Martin' : 'Durand');

    // validate both copies from the copies table
    await admin.getByRole('link', { name: 'Copies' }).click();
    for (const code of nameOf.keys()) await admin.getByRole('button', { name: `Validate ${code}` }).click();
    await expect.poll(async () => (await api.ok('GET', `/exams/${examId}`)).exam.counts.READY).toBe(2);
    await shot(admin, 'journey-04-copies');

    // identification desk: header crop, type-ahead, Enter confirms and moves on
    await admin.getByRole('link', { name: 'Identification' }).click();
    for (let i = 0; i < 2; i++) {
      const caption = await admin.locator('figcaption').textContent();
      const code = /Copy (\S+)/.exec(caption ?? '')![1]!;
      const search = admin.getByRole('combobox', { name: 'Search student' });
      await expect.poll(() => admin.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('combobox');
      await search.fill(nameOf.get(code)!.toLowerCase());
      await admin.getByRole('option', { name: new RegExp(nameOf.get(code)!) }).waitFor();
      if (i === 0) await shot(admin, 'journey-05-identification');
      await search.press('Enter');
      await admin.getByText(new RegExp(`Identified as ${nameOf.get(code)}`)).waitFor();
    }
    await admin.getByText('Every copy is identified.').waitFor();

    // correctors and dispatch
    await admin.getByRole('link', { name: 'Correctors' }).click();
    await admin.getByLabel(/Teacher Journey/).check();
    await admin.getByRole('button', { name: 'Save correctors' }).click();
    await admin.getByText('Saved.').waitFor();
    await admin.getByRole('button', { name: 'Dispatch copies' }).click();
    await admin.getByText('2 copies assigned.').waitFor();

    // ---------------- teacher
    const tctx = await newContext(browser, server.base);
    const t = await tctx.newPage();
    await loginUi(t, teacher.email, teacher.password);
    await t.getByRole('heading', { name: 'My copies' }).waitFor();
    await shot(t, 'journey-06-queue');
    await t.getByRole('link', { name: /^Grade / }).first().click();
    await expect.poll(() => t.getByTestId('lease').textContent()).toMatch(/held by you until/);
    await t.getByRole('button', { name: 'Tick (T)' }).click();
    await clickOnPage(t, [0.85, 0.3]);
    await t.getByRole('button', { name: 'Score badge (S)' }).click();
    await t.getByLabel('Badge points').fill('+2');
    await clickOnPage(t, [0.85, 0.36]);
    await t.getByRole('button', { name: 'Highlight (H)' }).click();
    await dragOnPage(t, [0.15, 0.31], [0.45, 0.34]);
    await t.getByRole('button', { name: 'Comment box (C)' }).click();
    await dragOnPage(t, [0.5, 0.4], [0.9, 0.46]);
    await t.getByLabel('Comment text').fill('Clear reasoning.');
    await t.getByRole('button', { name: 'OK', exact: true }).click();
    await t.getByLabel('Points for Q1.1').fill('3.5');
    await t.getByLabel('Points for Q1.1').press('Enter');
    // Q2 typed but not confirmed when the page reloads
    await t.getByLabel('Points for Q1.2').fill('5');
    await t.waitForTimeout(1500);
    await expect.poll(() => t.getByTestId('save-state').textContent(), { timeout: 10_000 }).toMatch(/saved at/);
    await t.reload();
    await expect.poll(() => t.getByTestId('lease').textContent()).toMatch(/held by you/);
    await expect.poll(() => t.getByLabel('Points for Q1.2').inputValue()).toBe('5');
    await t.getByText('Your unsaved work was restored.').waitFor();
    await t.getByLabel('Points for Q2.1').fill('8');
    await t.keyboard.press('Tab');
    await expect.poll(() => t.getByTestId('total').textContent()).toMatch(/16\.5\s*\/\s*20/);
    await shot(t, 'journey-07-desk');
    await t.getByRole('button', { name: 'Submit' }).click();
    await t.getByRole('button', { name: 'Finalize' }).click();
    await t.getByText(/Graded: 16\.5 \/ 20/).waitFor({ timeout: 60_000 });
    await shot(t, 'journey-08-graded');
    const gradedId = new URL(t.url()).pathname.split('/')[2]!;

    // ---------------- admin releases; statistics
    await admin.getByRole('link', { name: 'Results' }).click();
    // release asks first, with the counts (issue 16)
    const asked = new Promise<string>((resolve) =>
      admin.once('dialog', (d) => {
        resolve(d.message());
        void d.accept();
      }),
    );
    await admin.getByRole('button', { name: 'Release results' }).click();
    expect(await asked).toMatch(/Graded: 1\n/);
    await admin.getByText(/Released on/).waitFor();
    await admin.getByRole('img', { name: 'Histogram of whole exam' }).waitFor();
    await shot(admin, 'journey-09-results');

    // ---------------- student: provisioned account, forced password change, result, PDF
    const provision = await fetch(`${server.base}/api/v1/students/provision`, {
      method: 'POST',
      headers: { cookie: api.cookie, origin: server.base, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(provision.status).toBe(200);
    const lines = (await provision.text()).trim().split(/\r?\n/).map((l) => l.split(';'));
    const gradedStudent = (await api.ok('GET', `/copies/${gradedId}`)).student;
    const row = lines.find((l) => l[0] === gradedStudent.studentNumber)!;
    const sctx = await newContext(browser, server.base);
    const s = await sctx.newPage();
    await s.goto('/login');
    await s.getByLabel('Email').fill(row[1]!);
    await s.getByLabel('Password', { exact: true }).fill(row[2]!);
    await s.getByRole('button', { name: 'Log in' }).click();
    await s.getByRole('heading', { name: 'Change password' }).waitFor();
    await s.getByLabel('Current password').fill(row[2]!);
    await s.getByLabel('New password', { exact: true }).fill('student-new-password-1');
    await s.getByLabel('Confirm new password').fill('student-new-password-1');
    await s.getByRole('button', { name: 'Change password' }).click();
    await s.getByRole('heading', { name: 'My results' }).waitFor();
    await s.getByRole('link', { name: 'Maths — June mock' }).click();
    await expect.poll(() => s.getByTestId('student-total').textContent()).toBe('16.5');
    await s.getByRole('row', { name: /Q1\.1 3\.5 4/ }).waitFor();
    await shot(s, 'journey-10-student');
    const [download] = await Promise.all([s.waitForEvent('download'), s.getByRole('link', { name: 'Download PDF' }).click()]);
    const file = await download.path();
    expect(fs.readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');

    // a regrade request
    await s.getByLabel('Your message').fill('I think Q1 deserves full marks.');
    await s.getByRole('button', { name: 'Send' }).click();
    await s.getByText('Your request was sent.').waitFor();
    await Promise.all([actx.close(), tctx.close(), sctx.close()]);
  });
});

export type { Page };

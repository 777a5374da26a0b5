/**
 * Admin screens against the real server: student accounts with one-time passwords offered as a file; undoing an
 * identification; dispatch with rebalance and reassigning one copy (refused, with who, while someone grades it).
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ADMIN, ApiClient, loginUi, newContext, type Server, shot, useE2eWorld } from './harness';
import { seedExam, seedReadyCopies, seedTeachers } from './seed';

let server: Server;
let browser: Browser;
let admin: ApiClient;
useE2eWorld((w) => ({ server, browser, admin: admin } = w));

async function importRoster(rows: string[]) {
  const csv = ['student_number;last_name;first_name;email;class_name', ...rows].join('\r\n');
  await admin.ok('POST', '/students/import', undefined, { raw: { data: csv, type: 'text/csv' } });
}

async function adminPage(): Promise<Page> {
  const ctx = await newContext(browser, server.base);
  const page = await ctx.newPage();
  await loginUi(page, ADMIN.email, ADMIN.password);
  return page;
}

/** Clicks the download link and returns the file's lines as cells. */
async function downloadCsv(page: Page): Promise<string[][]> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the passwords (CSV)' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^student-accounts-\d{4}-\d{2}-\d{2}\.csv$/);
  return fs.readFileSync(await download.path(), 'utf8').trim().split(/\r?\n/).map((l) => l.split(';'));
}

describe('admin screens', () => {
  it('creates student accounts and offers the one-time passwords once, as a file; resets a selected student', async () => {
    await importRoster(['P001;Leroy;Emma;emma.leroy@e2e.test;2B', 'P002;Moreau;Hugo;;2B', 'P003;Simon;Léa;lea.simon@e2e.test;2B']);
    const page = await adminPage();
    await page.getByRole('link', { name: 'Students' }).click();
    await page.getByRole('table', { name: 'Students' }).getByRole('row', { name: /Leroy/ }).waitFor();

    await page.getByRole('button', { name: 'Create accounts for students without one' }).click();
    const result = page.getByTestId('provision-result');
    await result.getByText(/account\(s\) created/).waitFor();
    expect(await result.textContent()).toContain('shown once');
    // closing is only possible once the file was taken
    expect(await page.getByRole('button', { name: 'I have the file — close' }).isDisabled()).toBe(true);
    await shot(page, 'admin-01-provision');
    const lines = await downloadCsv(page);
    expect(lines[0]).toEqual(['student_number', 'email', 'one_time_password', 'last_name', 'first_name', 'class_name']);
    const byNumber = new Map(lines.slice(1).map((l) => [l[0]!, l]));
    for (const n of ['P001', 'P002', 'P003']) expect(byNumber.get(n)?.[2]).toMatch(/\S{12}/);
    expect(byNumber.get('P001')![1]).toBe('emma.leroy@e2e.test');
    await page.getByRole('button', { name: 'I have the file — close' }).click();
    await expect.poll(() => result.count()).toBe(0);
    // the table now says who has an account
    await expect.poll(() => page.getByRole('row', { name: /Leroy.*yes/ }).count()).toBe(1);

    // a second run has nothing to create
    await page.getByRole('button', { name: 'Create accounts for students without one' }).click();
    await page.getByText('No account to create').waitFor();

    // a new one-time password for one selected student: the old one stops working
    await page.getByLabel('Search student').fill('leroy');
    await page.getByRole('checkbox', { name: 'Select Leroy Emma' }).check();
    await page.getByRole('button', { name: 'New password for selected (1)' }).click();
    const dialog = page.getByRole('dialog', { name: /New one-time password for 1 student/ });
    await dialog.getByRole('button', { name: 'Create new passwords' }).click();
    await page.getByTestId('provision-result').getByText('1 one-time password(s) created.').waitFor();
    const reset = await downloadCsv(page);
    expect(reset).toHaveLength(2);
    expect(reset[1]![0]).toBe('P001');
    expect(reset[1]![2]).not.toBe(byNumber.get('P001')![2]);
    const login = (password: string) =>
      fetch(`${server.base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { origin: server.base, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'emma.leroy@e2e.test', password }),
      }).then((r) => r.status);
    expect(await login(byNumber.get('P001')![2]!)).toBe(401);
    expect(await login(reset[1]![2]!)).toBe(200);
    await page.context().close();
  });

  it('undoes an identification right away, and later from the list of identified copies', async () => {
    await importRoster(['I001;Garnier;Paul;;3C', 'I002;Faure;Inès;;3C']);
    const exam = await seedExam(admin, 'Identification undo');
    const { ids } = await seedReadyCopies(server, admin, exam.id, ['Paul Garnier', 'Inès Faure']);
    const page = await adminPage();
    await page.goto(`/exams/${exam.id}/identification`);
    const search = page.getByRole('combobox', { name: 'Search student' });
    const codeNow = async () => /Copy (\S+)/.exec((await page.locator('figcaption').textContent()) ?? '')![1]!;

    // identify, then undo: the copy comes back first in the queue
    const first = await codeNow();
    await search.fill('garnier');
    await page.getByRole('option', { name: /Garnier Paul/ }).waitFor();
    await search.press('Enter');
    await page.getByText('Identified as Garnier Paul.').waitFor();
    await page.getByRole('status').getByRole('button', { name: 'Undo' }).click();
    await page.getByText(`Copy ${first} is back in the queue.`).waitFor();
    expect(await codeNow()).toBe(first);
    const copyOf = async (code: string) => {
      for (const id of ids) {
        const c = await admin.ok('GET', `/copies/${id}`);
        if (c.anonymousCode === code) return c;
      }
      throw new Error(code);
    };
    expect((await copyOf(first)).student).toBeNull();

    // identify both, then remove one identification from the list
    for (const name of ['garnier', 'faure']) {
      await search.fill(name);
      await page.getByRole('option', { name: new RegExp(name, 'i') }).waitFor();
      await search.press('Enter');
      await page.getByText(/Identified as/).waitFor();
    }
    await page.getByText('Every copy is identified.').waitFor();
    await page.getByText('Identified copies (2)').click();
    await shot(page, 'admin-02-identified');
    await page.getByRole('button', { name: `Remove identification ${first}` }).click();
    await page.getByText(`Copy ${first} is back in the queue.`).waitFor();
    expect(await codeNow()).toBe(first);
    expect((await copyOf(first)).student).toBeNull();
    await page.getByText('Identified copies (1)').waitFor();
    await page.context().close();
  });

  it('dispatches, rebalances onto a new corrector, and reassigns a copy unless someone is grading it', async () => {
    const exam = await seedExam(admin, 'Dispatch and reassign');
    const { ids } = await seedReadyCopies(server, admin, exam.id, ['A One', 'B Two', 'C Three', 'D Four']);
    const [ta, tb] = await seedTeachers(admin, exam.id, ['Teacher Alpha', 'Teacher Beta']);
    await admin.ok('PUT', `/exams/${exam.id}/correctors`, { userIds: [ta!.id] });
    const page = await adminPage();
    await page.goto(`/exams/${exam.id}/correctors`);
    await page.getByText('Ready copies without a corrector: 4').waitFor();
    await page.getByRole('button', { name: 'Dispatch copies', exact: true }).click();
    await page.getByText('4 copies assigned.').waitFor();
    await page.getByText('Ready copies without a corrector: 0').waitFor();

    // a second corrector joins: rebalance moves half of the untouched copies to them
    await page.getByLabel(/Teacher Beta/).check();
    await page.getByRole('button', { name: 'Save correctors' }).click();
    await page.getByText('Saved.').waitFor();
    await page.getByRole('button', { name: 'Dispatch and rebalance' }).click();
    await page.getByText('0 copies assigned, 2 moved.').waitFor();
    const workload = page.getByRole('table', { name: 'Copies per corrector' });
    await expect.poll(() => workload.getByRole('row', { name: /Teacher Alpha 2/ }).count()).toBe(1);
    await expect.poll(() => workload.getByRole('row', { name: /Teacher Beta 2/ }).count()).toBe(1);
    await shot(page, 'admin-03-rebalanced');

    // Beta opens one of their copies; moving it to Alpha is refused with who holds it
    const copies = await Promise.all(ids.map((id) => admin.ok('GET', `/copies/${id}`)));
    const betas = copies.filter((c) => c.assignedTo?.id === tb!.id);
    const beta = await ApiClient.login(server.base, tb!.email, tb!.password);
    await beta.ok('POST', `/copies/${betas[0].id}/lock`);
    await page.getByRole('link', { name: 'Copies' }).click();
    await page.getByLabel(`Corrector of ${betas[0].anonymousCode}`).selectOption({ label: 'Teacher Alpha' });
    await page.getByText(/Teacher Beta is grading this copy right now \(until \d\d:\d\d\)/).waitFor();
    await shot(page, 'admin-04-reassign-refused');
    expect((await admin.ok('GET', `/copies/${betas[0].id}`)).assignedTo.id).toBe(tb!.id);
    expect(await page.getByLabel(`Corrector of ${betas[0].anonymousCode}`).inputValue()).toBe(tb!.id);

    // the other one is free: it moves
    await page.getByLabel(`Corrector of ${betas[1].anonymousCode}`).selectOption({ label: 'Teacher Alpha' });
    await expect.poll(async () => (await admin.ok('GET', `/copies/${betas[1].id}`)).assignedTo?.id).toBe(ta!.id);
    // and back to nobody
    await page.getByLabel(`Corrector of ${betas[1].anonymousCode}`).selectOption({ label: '— nobody —' });
    await expect.poll(async () => (await admin.ok('GET', `/copies/${betas[1].id}`)).assignedTo).toBeNull();
    await page.context().close();
  });
});

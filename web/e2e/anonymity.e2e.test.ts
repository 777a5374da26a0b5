/**
 * Anonymity on the image, in the browser: the admin switches anonymity in the Scale tab while nobody grades; the
 * corrector's desk then shows the first page with the name area filled (page and thumbnail), while the admin's
 * browser shows the name; once the corrector has opened the copy, the Scale tab refuses to switch it off.
 */
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ADMIN, ApiClient, loginUi, newContext, type Server, shot, useE2eWorld } from './harness';
import { seedExam, seedReadyCopies, seedTeachers } from './seed';

let server: Server;
let browser: Browser;
let admin: ApiClient;
useE2eWorld((w) => ({ server, browser, admin: admin } = w));

/**
 * In the image's top band (the header crop) and a band below it: ink (darker than the mask's grey: the fixture writes
 * in black and dark blue), marks (anything not white paper: its ruled lines included) and pixels of the mask's grey.
 */
async function inkOf(page: Page, selector: string) {
  await page.locator(selector).first().waitFor();
  return page.evaluate(async (sel) => {
    const img = document.querySelector(sel) as HTMLImageElement;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const g = c.getContext('2d')!;
    g.drawImage(img, 0, 0);
    const band = (y0: number, y1: number) => {
      const d = g.getImageData(0, Math.floor(y0 * c.height), c.width, Math.floor((y1 - y0) * c.height)).data;
      let dark = 0;
      let marks = 0;
      let grey = 0;
      for (let i = 0; i < d.length; i += 4) {
        const sum = d[i]! + d[i + 1]! + d[i + 2]!;
        if (sum < 560) dark++;
        if (sum < 720) marks++;
        if (Math.abs(d[i]! - 200) <= 6 && Math.abs(d[i + 1]! - 200) <= 6 && Math.abs(d[i + 2]! - 204) <= 6) grey++;
      }
      return { dark, marks, grey, n: d.length / 4 };
    };
    return { header: band(0.01, 0.28), below: band(0.32, 0.9) };
  }, selector);
}

async function setAnonymity(page: Page, examId: string, on: boolean) {
  await page.goto(`/exams/${examId}/scale`);
  const box = page.getByLabel('Anonymous grading');
  if ((await box.isChecked()) !== on) await box.click();
  await page.getByRole('button', { name: 'Save scale' }).click();
}

describe('anonymity on the image', () => {
  it('a corrector’s desk shows the first page with the name area masked; the Scale tab switches anonymity until grading starts', async () => {
    const exam = await seedExam(admin, 'Anonymous exam');
    const { ids } = await seedReadyCopies(server, admin, exam.id, ['Zélie Quintard']);
    const [teacher] = await seedTeachers(admin, exam.id, ['Teacher Anon']);
    const copyId = ids[0]!;

    const adminCtx = await newContext(browser, server.base);
    const adminPage = await adminCtx.newPage();
    await loginUi(adminPage, ADMIN.email, ADMIN.password);
    // off, then on again, from the Scale tab, while nobody grades
    await setAnonymity(adminPage, exam.id, false);
    await expect.poll(async () => (await admin.ok('GET', `/exams/${exam.id}`)).exam.anonymous).toBe(false);
    await setAnonymity(adminPage, exam.id, true);
    await expect.poll(async () => (await admin.ok('GET', `/exams/${exam.id}`)).exam.anonymous).toBe(true);
    await expect.poll(() => adminPage.getByText('Correctors see copy codes only', { exact: false }).isVisible()).toBe(true);

    const ctx = await newContext(browser, server.base);
    const page = await ctx.newPage();
    await loginUi(page, teacher!.email, teacher!.password);
    await page.goto(`/copies/${copyId}/grade`);
    await expect.poll(() => page.getByTestId('lease').textContent()).toMatch(/held by you/);
    for (const selector of ['section.desk-main img', 'nav.thumbs img']) {
      const ink = await inkOf(page, selector);
      expect(ink.header.dark, `${selector}: no ink left in the header`).toBe(0);
      expect(ink.header.grey / ink.header.n, `${selector}: the header is filled`).toBeGreaterThan(0.95);
      expect(ink.below.marks, `${selector}: the rest of the page is there`).toBeGreaterThan(200);
    }
    expect(await page.content()).not.toContain('Quintard');
    await shot(page, 'desk-anonymous-header');

    // the admin's browser gets the original page, name included
    await adminPage.goto('/exams');
    await adminPage.evaluate((url) => {
      const img = document.createElement('img');
      img.id = 'probe';
      img.src = url;
      document.body.append(img);
    }, `/api/v1/copies/${copyId}/pages/0/image`);
    const original = await inkOf(adminPage, '#probe');
    expect(original.header.dark).toBeGreaterThan(50);

    // the corrector holds the copy: grading has started, anonymity stays
    await setAnonymity(adminPage, exam.id, false);
    await expect.poll(() => adminPage.getByText('anonymity can no longer be changed', { exact: false }).isVisible()).toBe(true);
    expect((await admin.ok('GET', `/exams/${exam.id}`)).exam.anonymous).toBe(true);
    await adminCtx.close();
    await ctx.close();
  });
});

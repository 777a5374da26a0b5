/**
 * Grading desk against the real server: several tools, undo/redo, scores with clamping, the draft back after a
 * reload, submit and finalize; two teachers on one copy; a version conflict between two tabs.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, ApiClient, clickOnPage, dragOnPage, launchBrowser, loginUi, newContext, type Server, shot, startServer, waitFor } from './harness';
import { seedExam, seedReadyCopies, seedTeachers } from './seed';

let server: Server;
let browser: Browser;
let admin: ApiClient;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
  admin = await ApiClient.login(server.base, ADMIN.email, ADMIN.password);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('grading desk', () => {
  it('grades with several tools, undo/redo, clamps scores, restores the draft after a reload, submits and finalizes', async () => {
    const exam = await seedExam(admin, 'Desk exam');
    const { ids } = await seedReadyCopies(server, admin, exam.id, ['Alice Martin', 'Bob Durand']);
    const [teacher] = await seedTeachers(admin, exam.id, ['Teacher Desk']);
    const ctx = await newContext(browser, server.base);
    const page = await ctx.newPage();
    await loginUi(page, teacher!.email, teacher!.password);
    await page.goto(`/copies/${ids[0]}/grade`);
    await expect.poll(() => page.getByTestId('lease').textContent()).toMatch(/held by you until \d\d:\d\d/);

    // tick, cross, highlight, freehand, comment
    await page.getByRole('button', { name: 'Tick (T)' }).click();
    await clickOnPage(page, [0.8, 0.25]);
    await page.keyboard.press('x');
    await clickOnPage(page, [0.8, 0.3]);
    await page.keyboard.press('h');
    await dragOnPage(page, [0.1, 0.2], [0.5, 0.23]);
    await page.keyboard.press('f');
    await dragOnPage(page, [0.2, 0.36], [0.5, 0.42]);
    await page.keyboard.press('c');
    await dragOnPage(page, [0.55, 0.35], [0.9, 0.42]);
    await page.getByLabel('Comment text').fill('Good start, justify step 2');
    await page.getByRole('button', { name: 'OK', exact: true }).click();
    const list = page.getByRole('region', { name: 'Annotations' });
    await expect.poll(() => list.getByRole('listitem').count()).toBe(5);

    // undo removes the comment, redo brings it back
    await page.keyboard.press('Control+z');
    await expect.poll(() => list.getByRole('listitem').count()).toBe(4);
    await page.keyboard.press('Control+Shift+Z');
    await expect.poll(() => list.getByRole('listitem').count()).toBe(5);

    // scores: 7.5 on a 4-point question is clamped to 4
    await page.getByLabel('Points for Q1').fill('7.5');
    await page.getByLabel('Points for Q1').press('Enter');
    await expect.poll(() => page.getByLabel('Points for Q1').inputValue()).toBe('4');
    await page.getByLabel('Points for Q2').fill('3,5');
    await page.getByLabel('Points for Q2').press('Tab');
    await expect.poll(() => page.getByTestId('total').textContent()).toMatch(/7\.5\s*\/\s*20/);

    // unsent work: a comment being written and a score typed but not confirmed (focus still in it), then a reload
    await page.getByRole('button', { name: 'Comment box (C)' }).click();
    await dragOnPage(page, [0.1, 0.45], [0.4, 0.5]);
    await page.getByLabel('Comment text').fill('half-written remark');
    await page.getByLabel('Points for Q3').fill('6');
    await page.waitForTimeout(1500);
    await expect.poll(() => page.getByTestId('save-state').textContent(), { timeout: 10_000 }).toMatch(/saved at \d\d:\d\d/);
    await shot(page, 'desk-before-reload');
    await page.reload();
    await expect.poll(() => page.getByTestId('lease').textContent()).toMatch(/held by you/);
    await expect.poll(() => page.getByLabel('Points for Q3').inputValue()).toBe('6');
    await expect.poll(() => page.getByLabel('Comment text').inputValue()).toBe('half-written remark');
    await expect.poll(() => list.getByRole('listitem').count()).toBe(5);
    await page.getByRole('button', { name: 'OK', exact: true }).click();
    await expect.poll(() => list.getByRole('listitem').count()).toBe(6);
    await expect.poll(() => page.getByTestId('save-state').textContent()).not.toMatch(/unsaved/);
    await shot(page, 'desk-after-reload');

    // submit (confirms Q3) and finalize
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => page.getByText('Submitted').first().isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Finalize' }).click();
    await expect.poll(() => page.getByText(/Graded: 13\.5 \/ 20/).isVisible(), { timeout: 60_000 }).toBe(true);
    await shot(page, 'desk-graded');
    const copy = await admin.ok('GET', `/copies/${ids[0]}`);
    expect(copy.status).toBe('GRADED');
    expect(copy.annotations).toHaveLength(6);
    expect(copy.scores.map((s: { points: number }) => s.points).sort()).toEqual([1000 - 400, 350, 400].sort());
    await ctx.close();
  });
});

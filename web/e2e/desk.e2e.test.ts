/**
 * Grading desk against the real server: several tools, undo/redo, scores with clamping, the draft back after a
 * reload, submit and finalize; two teachers on one copy; a version conflict between two tabs.
 */
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ApiClient, clickOnPage, dragOnPage, loginUi, newContext, type Server, shot, useE2eWorld } from './harness';
import { seedExam, seedReadyCopies, seedTeachers } from './seed';

let server: Server;
let browser: Browser;
let admin: ApiClient;
useE2eWorld((w) => ({ server, browser, admin: admin } = w));

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

  it('two teachers on one copy: the second is read-only with who and until when, and gets it once released', async () => {
    const exam = await seedExam(admin, 'Two teachers');
    const { ids } = await seedReadyCopies(server, admin, exam.id, ['Chloé Petit']);
    const [ta, tb] = await seedTeachers(admin, exam.id, ['Teacher Ann', 'Teacher Ben']);
    const ctxA = await newContext(browser, server.base);
    const ctxB = await newContext(browser, server.base);
    const a = await ctxA.newPage();
    const b = await ctxB.newPage();
    await loginUi(a, ta!.email, ta!.password);
    await loginUi(b, tb!.email, tb!.password);
    await a.goto(`/copies/${ids[0]}/grade`);
    await expect.poll(() => a.getByTestId('lease').textContent()).toMatch(/held by you/);
    await b.goto(`/copies/${ids[0]}/grade`);
    await expect.poll(() => b.getByRole('status').filter({ hasText: 'Read-only' }).textContent()).toMatch(/being graded by Teacher Ann until \d\d:\d\d/);
    expect(await b.getByRole('button', { name: 'Tick (T)' }).isDisabled()).toBe(true);
    expect(await b.getByLabel('Points for Q1').getAttribute('readonly')).not.toBeNull();
    await shot(b, 'two-teachers-readonly');

    // A leaves the copy: the lease is released; B gets it
    await a.getByRole('link', { name: '← Queue' }).click();
    await a.getByRole('heading', { name: 'My copies' }).waitFor();
    await expect.poll(async () => (await admin.ok('GET', `/copies/${ids[0]}`)).lock, { timeout: 10_000 }).toBeNull();
    await b.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => b.getByTestId('lease').textContent()).toMatch(/held by you/);
    expect(await b.getByRole('button', { name: 'Tick (T)' }).isDisabled()).toBe(false);
    await shot(b, 'two-teachers-acquired');
    await ctxA.close();
    await ctxB.close();
  });

  it('a version conflict between two tabs is shown with both versions and a choice', async () => {
    const exam = await seedExam(admin, 'Conflicts');
    const { ids } = await seedReadyCopies(server, admin, exam.id, ['Dan Roux']);
    const [teacher] = await seedTeachers(admin, exam.id, ['Teacher Tabs']);
    const ctx = await newContext(browser, server.base);
    const t1 = await ctx.newPage();
    await loginUi(t1, teacher!.email, teacher!.password);
    await t1.goto(`/copies/${ids[0]}/grade`);
    await expect.poll(() => t1.getByTestId('lease').textContent()).toMatch(/held by you/);
    await t1.keyboard.press('t');
    await clickOnPage(t1, [0.8, 0.25]);
    const list1 = t1.getByRole('region', { name: 'Annotations' });
    await expect.poll(() => list1.getByRole('listitem').count()).toBe(1);
    await expect.poll(async () => (await admin.ok('GET', `/copies/${ids[0]}`)).annotations.length).toBe(1);

    // a second tab of the same teacher (same lease) opens the copy
    const t2 = await ctx.newPage();
    await t2.goto(`/copies/${ids[0]}/grade`);
    await expect.poll(() => t2.getByTestId('lease').textContent()).toMatch(/held by you/);

    // scores: tab 1 saves Q1 = 2; tab 2, which never saw it, saves Q1 = 3
    await t1.getByLabel('Points for Q1').fill('2');
    await t1.getByLabel('Points for Q1').press('Enter');
    await expect.poll(async () => (await admin.ok('GET', `/copies/${ids[0]}`)).scores.length).toBe(1);
    await t2.getByLabel('Points for Q1').fill('3');
    await t2.getByLabel('Points for Q1').press('Enter');
    const dialog = t2.getByRole('dialog', { name: /Changed elsewhere — Q1/ });
    await dialog.waitFor();
    expect(await dialog.getByTestId('their-version').textContent()).toContain('2 / 4');
    expect(await dialog.getByTestId('my-version').textContent()).toContain('3 / 4');
    await shot(t2, 'conflict-score');
    await dialog.getByRole('button', { name: 'Overwrite with mine' }).click();
    await expect.poll(async () => (await admin.ok('GET', `/copies/${ids[0]}`)).scores[0].points).toBe(300);

    // annotations: tab 1 moves the tick (version 2); tab 2 moves its stale copy (version 1) → keep theirs
    const tick = (await admin.ok('GET', `/copies/${ids[0]}`)).annotations[0];
    const center: [number, number] = [tick.x + tick.w / 2, tick.y + tick.h / 2];
    await resolveDraftDialogs(t1);
    await t1.getByRole('button', { name: 'Select (V)' }).click();
    await dragOnPage(t1, center, [0.5, 0.2]);
    await expect.poll(async () => (await admin.ok('GET', `/copies/${ids[0]}`)).annotations[0].version).toBe(2);
    await resolveDraftDialogs(t2);
    await t2.getByRole('button', { name: 'Select (V)' }).click();
    await dragOnPage(t2, center, [0.3, 0.3]);
    const annDialog = t2.getByRole('dialog', { name: /Changed elsewhere — Tick/ });
    await annDialog.waitFor();
    await shot(t2, 'conflict-annotation');
    await annDialog.getByRole('button', { name: 'Keep theirs' }).click();
    const after = (await admin.ok('GET', `/copies/${ids[0]}`)).annotations[0];
    expect(after.version).toBe(2);
    expect(after.x + after.w / 2).toBeCloseTo(0.5, 1);
    await ctx.close();
  });
  it('an emptied score field clears the score; a conflicting clear asks first', async () => {
    const exam = await seedExam(admin, 'Clearing scores');
    const { ids } = await seedReadyCopies(server, admin, exam.id, ['Eve Blanc']);
    const [teacher] = await seedTeachers(admin, exam.id, ['Teacher Clear']);
    const ctx = await newContext(browser, server.base);
    const t1 = await ctx.newPage();
    await loginUi(t1, teacher!.email, teacher!.password);
    await t1.goto(`/copies/${ids[0]}/grade`);
    await expect.poll(() => t1.getByTestId('lease').textContent()).toMatch(/held by you/);
    const scores = async () => (await admin.ok('GET', `/copies/${ids[0]}`)).scores as { points: number }[];

    await t1.getByLabel('Points for Q1').fill('2');
    await t1.getByLabel('Points for Q1').press('Enter');
    await expect.poll(async () => (await scores()).map((s) => s.points)).toEqual([200]);
    await t1.getByLabel('Points for Q1').fill('');
    await t1.getByLabel('Points for Q1').press('Enter');
    await expect.poll(async () => (await scores()).length).toBe(0);
    await expect.poll(() => t1.getByTestId('total').textContent()).toMatch(/Total\s*0\s*\/\s*20/);

    // tab 2 saw Q1 = 2 (version 1); tab 1 then sets it to 3; tab 2 clears it → both versions and a choice
    await t1.getByLabel('Points for Q1').fill('2');
    await t1.getByLabel('Points for Q1').press('Enter');
    await expect.poll(async () => (await scores()).length).toBe(1);
    const t2 = await ctx.newPage();
    await t2.goto(`/copies/${ids[0]}/grade`);
    await expect.poll(() => t2.getByTestId('lease').textContent()).toMatch(/held by you/);
    await expect.poll(() => t2.getByLabel('Points for Q1').inputValue()).toBe('2');
    await t1.getByLabel('Points for Q1').fill('3');
    await t1.getByLabel('Points for Q1').press('Enter');
    await expect.poll(async () => (await scores()).map((s) => s.points)).toEqual([300]);
    await t2.getByLabel('Points for Q1').fill('');
    await t2.getByLabel('Points for Q1').press('Enter');
    const dialog = t2.getByRole('dialog', { name: /Changed elsewhere — Q1/ });
    await dialog.waitFor();
    expect(await dialog.getByTestId('their-version').textContent()).toContain('3 / 4');
    expect(await dialog.getByTestId('my-version').textContent()).toContain('no score');
    await shot(t2, 'conflict-clear');
    await dialog.getByRole('button', { name: 'Overwrite with mine' }).click();
    await expect.poll(async () => (await scores()).length).toBe(0);
    await ctx.close();
  });

  it('annotation writes that never reached the server come back after the tab is gone', async () => {
    const exam = await seedExam(admin, 'Unsent writes');
    const { ids } = await seedReadyCopies(server, admin, exam.id, ['Fabien Noir']);
    const [teacher] = await seedTeachers(admin, exam.id, ['Teacher Offline']);
    const ctx = await newContext(browser, server.base);
    const annotations = async () => (await admin.ok('GET', `/copies/${ids[0]}`)).annotations as { type: string }[];
    const open = async () => {
      const p = await ctx.newPage();
      await p.goto(`/copies/${ids[0]}/grade`);
      await expect.poll(() => p.getByTestId('lease').textContent()).toMatch(/held by you/);
      return p;
    };
    /** marks the copy while the network is down, then the tab goes away with the writes unsent */
    const markOffline = async (p: import('playwright-core').Page, tool: string, at: [number, number]) => {
      await ctx.setOffline(true);
      await p.getByRole('button', { name: tool }).click();
      await clickOnPage(p, at);
      await expect.poll(() => p.getByTestId('save-state').textContent()).toMatch(/offline — kept locally/);
      await p.close();
      await ctx.setOffline(false);
    };
    const first = await ctx.newPage();
    await loginUi(first, teacher!.email, teacher!.password);
    await first.close();

    // same lease on reopen (it was never released): the tick is sent again without asking
    await markOffline(await open(), 'Tick (T)', [0.8, 0.25]);
    expect(await annotations()).toHaveLength(0);
    const again = await open();
    await expect.poll(async () => (await annotations()).map((a) => a.type)).toEqual(['TICK']);
    expect(await again.getByRole('dialog').count()).toBe(0);
    await expect.poll(() => again.getByRole('region', { name: 'Annotations' }).getByRole('listitem').count()).toBe(1);

    // the lease was broken meanwhile (new lease on reopen): the teacher is asked, and can re-apply
    await markOffline(again, 'Cross (X)', [0.8, 0.35]);
    await admin.ok('DELETE', `/copies/${ids[0]}/lock`);
    const later = await open();
    const dialog = later.getByRole('dialog', { name: 'Changes not saved' });
    await dialog.waitFor();
    expect(await dialog.getByTestId('unsent-writes').textContent()).toContain('Cross · Page 1 — added');
    await shot(later, 'desk-unsent-writes');
    expect((await annotations()).map((a) => a.type)).toEqual(['TICK']);
    await dialog.getByRole('button', { name: 'Apply them again' }).click();
    await expect.poll(async () => (await annotations()).map((a) => a.type).sort()).toEqual(['CROSS', 'TICK']);
    await expect.poll(() => later.getByTestId('save-state').textContent()).toMatch(/saved at/);
    await ctx.close();
  });
});

/** Two tabs also race on the draft; whichever draft dialogs show up are answered so the test can go on. */
async function resolveDraftDialogs(page: import('playwright-core').Page) {
  await page.waitForTimeout(1500);
  for (let i = 0; i < 5; i++) {
    const d = page.getByRole('dialog', { name: /Changed elsewhere — unsaved changes/ });
    if (!(await d.isVisible())) return;
    await d.getByRole('button', { name: 'Keep theirs' }).click();
  }
}


/**
 * Scores on the grading desk against the real server (issue 11): two tabs of one teacher racing on a score (with
 * Enter and with a click, keeping theirs and keeping mine), a restored draft older than the server, taking back a
 * Submit. Finish with unscored questions is in desk-finish.e2e.test.ts.
 */
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { answerDraftDialogs, backTo, deskSetup, score } from './desk-helpers';
import { ApiClient, dragOnPage, type Server, shot, useE2eWorld } from './harness';

let server: Server;
let browser: Browser;
let admin: ApiClient;
useE2eWorld((w) => ({ server, browser, admin: admin } = w));

describe('defect 1: "keep theirs" keeps theirs (two tabs of one teacher)', () => {
  for (const confirm of ['Enter', 'click'] as const) {
    for (const choice of ['theirs', 'mine'] as const) {
      it(`confirmed with ${confirm}, resolved with keep ${choice}: both tabs show what the server holds`, async () => {
        const { q, held, ctx, open } = await deskSetup({ server, browser, admin }, `Race ${confirm} ${choice}`);
        const q1 = q('Q1');
        const points = async () => (await held(q1))?.points;
        const a = await open();
        await score(a, 'Q1', '1', points, 100);
        const b = await open();
        await expect.poll(() => b.getByLabel('Points for Q1').inputValue()).toBe('1');
        await backTo(a);
        await score(a, 'Q1', '2', points, 200);

        // tab B, still showing 1 (left in the background: coming back would re-read the server), confirms 0.5
        await answerDraftDialogs(b);
        await b.getByLabel('Points for Q1').fill('0.5');
        if (confirm === 'Enter') await b.getByLabel('Points for Q1').press('Enter');
        else await b.getByLabel('Points for Q2').click();
        const dialog = b.getByRole('dialog', { name: /Changed elsewhere — Q1/ });
        await dialog.waitFor();
        expect(await dialog.getByTestId('their-version').textContent()).toContain('2 / 4');
        expect(await dialog.getByTestId('my-version').textContent()).toContain('0.5 / 4');
        await dialog.getByRole('button', { name: choice === 'theirs' ? 'Keep theirs' : 'Overwrite with mine' }).click();
        await expect.poll(() => dialog.isVisible()).toBe(false);
        // anything wrongly queued behind the conflict would have gone through by now
        await b.waitForTimeout(1500);

        const final = await held(q1);
        expect(final).toMatchObject(choice === 'theirs' ? { points: 200, version: 2 } : { points: 50, version: 3 });
        const shown = choice === 'theirs' ? '2' : '0.5';
        await expect.poll(() => b.getByLabel('Points for Q1').inputValue()).toBe(shown);
        await backTo(a);
        await expect.poll(() => a.getByLabel('Points for Q1').inputValue()).toBe(shown);
        expect(await held(q1)).toEqual(final);
        await ctx.close();
      });
    }
  }
});

describe('defect 2: a restored draft never overwrites a newer score', () => {
  it('an unsaved value typed over version 1 comes back as a conflict once the server is at version 2', async () => {
    const { q, held, ctx, open } = await deskSetup({ server, browser, admin }, 'Stale draft');
    const q1 = q('Q1');
    const points = async () => (await held(q1))?.points;
    const a = await open();
    await score(a, 'Q1', '1', points, 100);

    // tab B types 3 over version 1 without confirming; its score writes never reach the server. It stays open
    // (closing it would give the shared lease back)
    const b = await open();
    await b.route(/\/scores\//, (r) => r.abort());
    await expect.poll(() => b.getByLabel('Points for Q1').inputValue()).toBe('1');
    await b.getByLabel('Points for Q1').fill('3');
    await expect.poll(() => b.getByTestId('save-state').textContent(), { timeout: 10_000 }).toMatch(/saved at/);

    await backTo(a);
    await score(a, 'Q1', '2', points, 200);
    const c = await open();
    const dialog = c.getByRole('dialog', { name: /Changed elsewhere — Q1/ });
    await dialog.waitFor();
    expect(await dialog.getByTestId('their-version').textContent()).toContain('2 / 4');
    expect(await dialog.getByTestId('my-version').textContent()).toContain('3 / 4');
    await shot(c, 'desk-stale-draft-conflict');
    await c.waitForTimeout(1000);
    expect(await held(q1)).toMatchObject({ points: 200, version: 2 });
    await dialog.getByRole('button', { name: 'Keep theirs' }).click();
    await expect.poll(() => c.getByLabel('Points for Q1').inputValue()).toBe('2');
    expect(await held(q1)).toMatchObject({ points: 200, version: 2 });
    await ctx.close();
  });
});

describe('desk keys and taking back a Submit', () => {
  it('defect 4: invalid points keep the focus, Enter confirms a comment (Shift+Enter: new line) beside its box; then Submit is taken back', async () => {
    const { q, held, ids, ctx, open } = await deskSetup({ server, browser, admin }, 'Take back');
    const p = await open();
    await p.getByLabel('Points for Q1').fill('abc');
    await p.getByLabel('Points for Q1').press('Enter');
    await p.getByText('Invalid points').waitFor();
    expect(await p.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Points for Q1');

    await p.getByRole('button', { name: 'Comment box (C)' }).click();
    await dragOnPage(p, [0.1, 0.3], [0.5, 0.38]);
    const overlay = (await p.getByTestId('overlay').boundingBox())!;
    const editor = (await p.getByTestId('comment-editor').boundingBox())!;
    // the editor sits below the box just drawn, not over it
    expect(editor.y).toBeGreaterThanOrEqual(overlay.y + 0.38 * overlay.height);
    await p.getByLabel('Comment text').fill('Line one');
    await p.getByLabel('Comment text').press('Shift+Enter');
    await p.getByLabel('Comment text').pressSequentially('two');
    await p.getByLabel('Comment text').press('Enter');
    await expect.poll(async () => (await admin.ok('GET', `/copies/${ids[0]}`)).annotations.map((a: { content: string }) => a.content)).toEqual(['Line one\ntwo']);

    for (const [label, text] of [['Q1', '4'], ['Q2', '6'], ['Q3', '10']] as const) await score(p, label, text, async () => (await held(q(label)))?.points, Number(text) * 100);
    await p.getByRole('button', { name: 'Submit', exact: true }).click();
    await expect.poll(async () => (await admin.ok('GET', `/copies/${ids[0]}`)).status).toBe('LOCKED');
    await p.getByRole('button', { name: 'Take back my Submit' }).click();
    await expect.poll(() => p.getByTestId('lease').textContent()).toMatch(/held by you/);
    expect((await admin.ok('GET', `/copies/${ids[0]}`)).status).toBe('READY');
    await score(p, 'Q3', '9', async () => (await held(q('Q3')))?.points, 900);
    await ctx.close();
  });
});

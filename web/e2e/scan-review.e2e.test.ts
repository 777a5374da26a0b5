/**
 * Scan intake v2 in the browser: several PDFs sent at once with one bad file among them (each its own row, the bad
 * one its own error, the others processed), and the scan review repairing a stack — rotate, move by dragging,
 * split, remove to the bin, undo — then validating.
 */
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ADMIN, ApiClient, loginUi, makeScanPdf, newContext, type Server, shot, useE2eWorld, waitFor } from './harness';
import { seedExam } from './seed';

let server: Server;
let browser: Browser;
let api: ApiClient;
useE2eWorld((w) => ({ server, browser, admin: api } = w));

async function adminPage(): Promise<Page> {
  const ctx = await newContext(browser, server.base);
  const page = await ctx.newPage();
  await loginUi(page, ADMIN.email, ADMIN.password);
  return page;
}

interface Review {
  copies: { id: string; anonymousCode: string; status: string; pages: { sourcePage: number; rotation: number }[] }[];
  bin: { sourcePage: number }[];
}
const reviewOf = (uploadId: string) => api.ok<Review>('GET', `/uploads/${uploadId}/review`);
const layout = (r: Review) => r.copies.map((c) => c.pages.map((p) => p.sourcePage));

describe('scan intake v2', () => {
  it('sends several PDFs at once: one bad file gets its own clear error, the others are processed', async () => {
    const exam = await seedExam(api, 'Many files', 2);
    const page = await adminPage();
    await page.goto(`${server.base}/exams/${exam.id}/scans`);
    const one = await makeScanPdf(1, 2, ['Alice Martin']);
    const two = await makeScanPdf(2, 2, ['Bob Durand', 'Chloé Petit']);
    await page.getByLabel('PDF files').setInputFiles([
      { name: 'alice.pdf', mimeType: 'application/pdf', buffer: Buffer.from(one) },
      { name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('Nom;Prénom\nDubois;Léa\n') },
      { name: 'bob-chloe.pdf', mimeType: 'application/pdf', buffer: Buffer.from(two) },
    ]);
    await page.getByRole('list', { name: 'Files to send' }).getByText('notes.pdf').waitFor();
    await page.getByRole('button', { name: 'Upload', exact: true }).click();

    const row = (name: string) => page.getByTestId('upload').filter({ has: page.getByText(name, { exact: true }) });
    await row('alice.pdf').getByText('Done: 2 pages, 1 copies.').waitFor({ timeout: 60_000 });
    await row('bob-chloe.pdf').getByText('Done: 4 pages, 2 copies.').waitFor({ timeout: 60_000 });
    const bad = row('notes.pdf').getByRole('alert');
    await bad.waitFor();
    expect((await bad.textContent())!.length).toBeGreaterThan(10);
    expect(await row('notes.pdf').getByText(/^Done/).count()).toBe(0);
    await shot(page, 'scan-intake-01-many-files');
    const uploads = await api.ok('GET', `/exams/${exam.id}/uploads`);
    expect(uploads.items.map((u: { status: string }) => u.status)).toEqual(['DONE', 'DONE']);
  });

  it('the review repairs a stack: rotate, drag a page to another copy, split, remove, undo, then validate', async () => {
    const exam = await seedExam(api, 'Review', 2);
    const up = await api.ok('POST', `/exams/${exam.id}/uploads?mode=BATCH`, undefined, { raw: { data: await makeScanPdf(3, 2), type: 'application/pdf' } });
    const uploadId = up.upload.id as string;
    await waitFor(async () => (await api.ok('GET', `/uploads/${uploadId}`)).status === 'DONE', 60_000);
    const first = await reviewOf(uploadId);
    const [a, b, c] = first.copies.map((x) => x.anonymousCode) as [string, string, string];

    const page = await adminPage();
    await page.goto(`${server.base}/exams/${exam.id}/scans`);
    await page.getByRole('link', { name: 'Review the pages' }).click();
    await page.getByRole('heading', { name: 'Scan review' }).waitFor();
    const thumb = (code: string, n: number) => page.getByRole('button', { name: `${code} page ${n}`, exact: true });
    const settled = () => page.getByRole('status').filter({ hasNotText: 'saving' }).waitFor();

    // rotate the first page of the first copy
    await thumb(a, 1).focus();
    await page.keyboard.press('r');
    await page.waitForSelector(`[aria-label="${a} page 1"][data-rotation="90"]`);
    expect((await reviewOf(uploadId)).copies[0]!.pages[0]!.rotation).toBe(90);

    // drag the second page of A onto the first page of B
    await thumb(a, 2).dragTo(thumb(b, 1));
    await expect.poll(async () => layout(await reviewOf(uploadId))).toEqual([[0], [1, 2, 3], [4, 5]]);
    await thumb(b, 3).waitFor();
    await shot(page, 'scan-review-01-moved');

    // undo puts it back
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(async () => layout(await reviewOf(uploadId))).toEqual([[0, 1], [2, 3], [4, 5]]);
    await settled();

    // split C before its second page
    await thumb(c, 2).focus();
    await page.keyboard.press('s');
    await expect.poll(async () => layout(await reviewOf(uploadId))).toEqual([[0, 1], [2, 3], [4], [5]]);
    await page.getByTestId('review-copy').nth(3).waitFor();

    // remove B's first page to the bin, then undo with Ctrl+Z
    await thumb(b, 1).focus();
    await page.keyboard.press('Delete');
    await expect.poll(async () => (await reviewOf(uploadId)).bin.map((p) => p.sourcePage)).toEqual([2]);
    await page.getByRole('group', { name: 'Removed pages' }).getByRole('img').waitFor();
    await shot(page, 'scan-review-02-bin');
    await settled();
    await page.keyboard.press('Control+z');
    await expect.poll(async () => layout(await reviewOf(uploadId))).toEqual([[0, 1], [2, 3], [4], [5]]);
    expect((await reviewOf(uploadId)).bin).toEqual([]);
    await page.getByText('No page removed.').waitFor();

    // the incomplete filter shows the two halves of C only
    await page.getByRole('group', { name: 'Show only' }).getByRole('checkbox', { name: /incomplete/ }).check();
    await expect.poll(() => page.getByTestId('review-copy').count()).toBe(2);
    await page.getByRole('group', { name: 'Show only' }).getByRole('checkbox', { name: /incomplete/ }).uncheck();

    await page.getByRole('button', { name: /Validate all staging copies \(4\)/ }).click();
    await expect.poll(async () => (await reviewOf(uploadId)).copies.map((x) => x.status)).toEqual(['READY', 'READY', 'READY', 'READY']);
    await shot(page, 'scan-review-03-validated');
  });
});

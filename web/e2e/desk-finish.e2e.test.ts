/**
 * Finish (submit + finalize + next copy, Ctrl+Enter) on a copy with unscored questions, against the real server: the
 * server answers INCOMPLETE_SCORES, the desk lists the questions, and once confirmed the copy is graded with them
 * marked, and the final PDF and the CSV export say "not scored".
 */
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { deskSetup, score } from './desk-helpers';
import { ApiClient, type Server, shot, useE2eWorld } from './harness';

let server: Server;
let browser: Browser;
let admin: ApiClient;
useE2eWorld((w) => ({ server, browser, admin: admin } = w));

describe('Finish', () => {
  it('with unscored questions: listed for confirmation, then submitted, finalized, next copy; the final PDF and the CSV say "not scored"', async () => {
    const { exam, ids, q, held, ctx, open } = await deskSetup({ server, browser, admin }, 'Finish unscored', ['Hugo Lenoir', 'Inès Faure']);
    // both copies assigned to the teacher: the desk knows the next one
    await admin.ok('POST', `/exams/${exam.id}/dispatch`);
    const p = await open(ids[0]);
    await score(p, 'Q1', '2,5', async () => (await held(q('Q1')))?.points, 250);
    // "2,5" typed in the English interface is saved: the ✓ shows
    await p.getByTestId(`saved-${q('Q1')}`).waitFor();
    await expect.poll(() => p.getByTestId(`subtotal-${exam.questions.find((x) => x.label === 'Exercise 1')!.id}`).textContent()).toMatch(/^2\.5/);

    await p.keyboard.press('Control+Enter');
    const dialog = p.getByRole('dialog', { name: 'Questions without a score' });
    await dialog.waitFor();
    expect(await dialog.getByTestId('unscored-questions').textContent()).toBe('Q2Q3');
    await shot(p, 'desk-finish-unscored');
    expect((await admin.ok('GET', `/copies/${ids[0]}`)).status).toBe('READY');
    await dialog.getByRole('button', { name: 'Leave them not scored' }).click();
    await p.waitForURL(`**/copies/${ids[1]}/grade`, { waitUntil: 'commit' });
    await expect.poll(() => p.getByTestId('lease').textContent()).toMatch(/held by you/);
    await expect.poll(async () => (await admin.ok('GET', `/copies/${ids[0]}`)).status, { timeout: 60_000 }).toBe('GRADED');
    expect(((await admin.ok('GET', `/copies/${ids[0]}`)).notScored as string[]).sort()).toEqual([q('Q2'), q('Q3')].sort());

    const pdf = await fetch(`${server.base}/api/v1/copies/${ids[0]}/final.pdf`, { headers: { cookie: admin.cookie } });
    expect(pdf.status).toBe(200);
    const text = await pdfText(new Uint8Array(await pdf.arrayBuffer()));
    expect(text).toMatch(/not scored|non not[ée]/i);
    // defect 5: the exercise's subtotal, not "— / 10"
    expect(text).toMatch(/Exercise 1\s+2[,.]5\s*\/\s*10/);
    const csv = await fetch(`${server.base}/api/v1/exams/${exam.id}/export.csv?format=plain`, { headers: { cookie: admin.cookie } });
    expect(csv.status).toBe(200);
    const code = (await admin.ok('GET', `/copies/${ids[0]}`)).anonymousCode as string;
    const row = (await csv.text()).split(/\r?\n/).find((l) => l.includes(code))!;
    expect(row).toMatch(/not scored|non not[ée]/i);
    await ctx.close();
  });
});

async function pdfText(bytes: Uint8Array): Promise<string> {
  const doc = await getDocument({ data: bytes, isEvalSupported: false, verbosity: 0 }).promise;
  try {
    const out: string[] = [];
    for (let i = 1; i <= doc.numPages; i++) {
      const content = await (await doc.getPage(i)).getTextContent();
      out.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
    }
    return out.join('\n');
  } finally {
    await doc.destroy();
  }
}

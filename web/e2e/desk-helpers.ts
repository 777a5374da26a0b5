/** Helpers of the desk's browser tests: a copy, its teacher and tabs; scoring a question and waiting for the server. */
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { type ApiClient, loginUi, newContext, type Server } from './harness';
import { seedExam, seedReadyCopies, seedTeachers } from './seed';

type ScoreRow = { questionId: string; points: number; version: number };

export async function deskSetup({ server, browser, admin }: { server: Server; browser: Browser; admin: ApiClient }, title: string, names = ['Gaël Morel']) {
  const exam = await seedExam(admin, title);
  const { ids } = await seedReadyCopies(server, admin, exam.id, names);
  const [teacher] = await seedTeachers(admin, exam.id, ['Teacher ' + title]);
  const q = (label: string) => exam.questions.find((x) => x.label === label)!.id;
  const held = async (qid: string, copyId = ids[0]!) => ((await admin.ok('GET', `/copies/${copyId}`)).scores as ScoreRow[]).find((s) => s.questionId === qid) ?? null;
  const ctx = await newContext(browser, server.base);
  const first = await ctx.newPage();
  await loginUi(first, teacher!.email, teacher!.password);
  await first.close();
  const open = async (copyId = ids[0]!) => {
    const p = await ctx.newPage();
    await p.goto(`/copies/${copyId}/grade`);
    await expect.poll(() => p.getByTestId('lease').textContent()).toMatch(/held by you/);
    return p;
  };
  return { exam, ids, q, held, ctx, open };
}

/** Types points and presses Enter, then waits until the server holds them. */
export async function score(p: Page, label: string, text: string, until: () => Promise<unknown>, expected: unknown) {
  await p.getByLabel(`Points for ${label}`).fill(text);
  await p.getByLabel(`Points for ${label}`).press('Enter');
  await expect.poll(until).toEqual(expected);
}

/** The teacher comes back to a tab. */
export async function backTo(p: Page) {
  await p.bringToFront();
  await p.evaluate(() => window.dispatchEvent(new Event('focus')));
}


/** Two tabs also race on the draft; a draft dialog that shows up is answered so the test can go on. */
export async function answerDraftDialogs(p: Page) {
  for (let i = 0; i < 5; i++) {
    const d = p.getByRole('dialog', { name: /Changed elsewhere — unsaved changes/ });
    if (!(await d.isVisible())) return;
    await d.getByRole('button', { name: 'Keep theirs' }).click();
  }
}

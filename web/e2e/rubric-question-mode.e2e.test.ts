/**
 * Rubrics and question mode in the browser (issue 13): a teacher grades question Q1 of 5 copies with keys only
 * (digits apply items, N goes to the next copy not scored on Q1), edits an item halfway through its preview (the
 * copies already graded with it change, old → new), then every score, total and the CSV agree with the items.
 */
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ADMIN, ApiClient, loginUi, newContext, type Server, shot, useE2eWorld, waitFor } from './harness';
import { seedExam, seedReadyCopies, seedTeachers } from './seed';

let server: Server;
let browser: Browser;
let admin: ApiClient;
useE2eWorld((w) => ({ server, browser, admin: admin } = w));

type Item = { id: string; label: string; points: number };

describe('question mode with rubric keys', () => {
  it('grades 5 copies on Q1 with keys only, edits an item halfway with its preview, and totals agree', async () => {
    const exam = await seedExam(admin, 'Rubric question mode');
    const names = ['Ana Lima', 'Ben Roy', 'Chloé Sand', 'Dan Ivo', 'Eve Moor'];
    const { ids } = await seedReadyCopies(server, admin, exam.id, names);
    const [teacher] = await seedTeachers(admin, exam.id, ['Teacher Rubric']);
    const q1 = exam.questions.find((q) => q.label === 'Q1')!.id;

    // Q1 (max 4) is graded additively from three items; its answer is on the first page, top half
    await admin.ok('PUT', `/exams/${exam.id}/questions/${q1}/scoring-mode`, { mode: 'ADDITIVE' });
    await admin.ok('PUT', `/exams/${exam.id}/questions/${q1}/region`, { region: { pagePosition: 0, x: 0.05, y: 0.1, w: 0.9, h: 0.4 } });
    const items: Item[] = [];
    for (const [label, points] of [['Method', 200], ['Result', 150], ['Units missing', -50]] as const)
      items.push((await admin.ok('POST', `/exams/${exam.id}/rubric-items`, { questionId: q1, label, points, comment: `${label} (comment)` })).item);

    const ctx = await newContext(browser, server.base);
    const page = await ctx.newPage();
    await loginUi(page, teacher!.email, teacher!.password);
    const asTeacher = await ApiClient.login(server.base, teacher!.email, teacher!.password);
    const first = await asTeacher.ok('GET', `/exams/${exam.id}/questions/${q1}/next`);
    await page.goto(`/copies/${first.copy.id}/grade?question=${q1}`);

    /** keys per copy in the order met: 1 = Method, 2 = Result, 3 = Units missing */
    const plan = [['1', '2'], ['1'], ['2', '3'], ['1', '2', '3'], ['3']];
    const met: { copyId: string; keys: string[] }[] = [];
    const q1Points = async (copyId: string) => ((await admin.ok('GET', `/copies/${copyId}`)).scores as { questionId: string; points: number }[]).find((s) => s.questionId === q1)?.points;
    const scoreWith = (keys: string[], method: number) =>
      Math.min(400, Math.max(0, keys.reduce((s, k) => s + (k === '1' ? method : k === '2' ? 150 : -50), 0)));

    const gradeCurrent = async (p: Page, keys: string[], method: number) => {
      await p.getByTestId('rubric-panel').waitFor();
      await expect.poll(() => p.getByTestId('rubric-item-2').isEnabled(), { timeout: 20_000 }).toBe(true);
      const copyId = /\/copies\/([^/]+)\/grade/.exec(p.url())![1]!;
      for (const k of keys) {
        await p.keyboard.press(k);
        // the badge may be placed with a click; keys only: Esc leaves it off the page
        await p.keyboard.press('Escape');
      }
      await expect.poll(() => q1Points(copyId), { timeout: 20_000 }).toBe(scoreWith(keys, method));
      met.push({ copyId, keys });
      return copyId;
    };

    // copies 1–3 with Method at +2
    for (let i = 0; i < 3; i++) {
      const before = page.url();
      await gradeCurrent(page, plan[i]!, 200);
      if (i === 0) await shot(page, 'rubric-question-mode');
      await page.keyboard.press('n');
      await expect.poll(() => page.url(), { timeout: 20_000 }).not.toBe(before);
    }
    expect(new Set(met.map((m) => m.copyId)).size).toBe(3);

    // halfway: Method becomes +2.5 — the preview lists the copies graded with it, old → new
    await page.getByRole('button', { name: 'Edit Method' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/^Points/).fill('2.5');
    await dialog.getByTestId('rubric-preview-edit').click();
    const preview = dialog.getByTestId('rubric-preview');
    await preview.waitFor();
    const withMethod = met.filter((m) => m.keys.includes('1'));
    await expect.poll(() => preview.getByRole('status').textContent()).toContain(`${withMethod.length} copies change`);
    const previewText = (await preview.textContent()) ?? '';
    // copy 1: Method + Result = 3.5 → 4 (clamped at the max); copy 2: Method alone 2 → 2.5
    expect(previewText).toContain('3.5 → 4');
    expect(previewText).toContain('2 → 2.5');
    expect(await dialog.getByTestId('rubric-histograms').count()).toBe(1);
    await shot(page, 'rubric-item-preview');
    await dialog.getByTestId('rubric-apply-edit').click();
    await expect.poll(() => dialog.count()).toBe(0);
    for (const m of met) expect(await q1Points(m.copyId)).toBe(scoreWith(m.keys, 250));

    // copies 4–5 with the new points, keys only
    for (let i = 3; i < 5; i++) {
      const before = page.url();
      await page.keyboard.press('n');
      await expect.poll(() => page.url(), { timeout: 20_000 }).not.toBe(before);
      await gradeCurrent(page, plan[i]!, 250);
    }
    await page.keyboard.press('n');
    await page.getByTestId('question-done').waitFor();
    await expect.poll(async () => (await page.getByTestId('question-progress').textContent()) ?? '').toContain('5 / 5');
    expect(new Set(met.map((m) => m.copyId))).toEqual(new Set(ids));
    await ctx.close();

    // every copy's Q1 score is what its items give at the new points
    const expected = new Map(met.map((m) => [m.copyId, scoreWith(m.keys, 250)]));
    for (const [copyId, points] of expected) expect(await q1Points(copyId)).toBe(points);
    const list = (await admin.ok('GET', `/exams/${exam.id}/copies`)).items as { id: string; anonymousCode: string; total: number | null }[];
    for (const c of list) expect(c.total ?? 0).toBe(expected.get(c.id));
    const progress = await admin.ok('GET', `/exams/${exam.id}/question-progress`);
    expect(progress.questions.find((q: { questionId: string }) => q.questionId === q1).scored).toBe(5);

    // finalized (the other questions left "not scored"), the CSV's totals are the same
    for (const id of ids) await admin.ok('POST', `/copies/${id}/finalize`, { allowUnscored: true });
    await waitFor(async () => {
      const xs = (await admin.ok('GET', `/exams/${exam.id}/copies`)).items as { status: string }[];
      return xs.every((x) => x.status === 'GRADED');
    }, 90_000);
    const csv = String((await admin.req('GET', `/exams/${exam.id}/export.csv?format=plain`)).body);
    const [head, ...rows] = csv.trim().split(/\r?\n/).map((l) => l.split(','));
    const col = (name: string) => head!.indexOf(name);
    const codeOf = new Map(list.map((c) => [c.anonymousCode, c.id]));
    const inCsv = rows.filter((r) => codeOf.has(r[col('anonymous_code')]!));
    expect(inCsv).toHaveLength(5);
    for (const r of inCsv) {
      const want = expected.get(codeOf.get(r[col('anonymous_code')]!)!)! / 100;
      expect(Number(r[col('total')])).toBe(want);
      expect(Number(r[col('Q1')])).toBe(want);
    }
  });

  it('the admin sets a mode, an item, a region and a question dispatch in the tabs; a question held by another is said clearly', async () => {
    const exam = await seedExam(admin, 'Rubric admin');
    const { ids } = await seedReadyCopies(server, admin, exam.id, ['Fay Oak', 'Gil Pym']);
    const [ta, tb] = await seedTeachers(admin, exam.id, ['Teacher Alpha', 'Teacher Beta']);
    const q2 = exam.questions.find((q) => q.label === 'Q2')!.id;
    const ctx = await newContext(browser, server.base);
    const page = await ctx.newPage();
    await loginUi(page, ADMIN.email, ADMIN.password);

    // Scale tab: Q2 subtractive, a "Sign error" item at -1, Q2 answered in the top half of page 2
    await page.goto(`/exams/${exam.id}/scale`);
    const box = page.getByTestId('rubric-admin-Q2');
    await box.getByRole('combobox').selectOption('SUBTRACTIVE');
    await box.getByRole('button', { name: /New item/ }).click();
    await box.getByLabel('Label').fill('Sign error');
    await box.getByLabel(/^Points/).fill('-1');
    await box.getByRole('button', { name: 'Create' }).click();
    await box.getByRole('cell', { name: 'Sign error' }).waitFor();
    const editor = page.getByTestId('region-editor');
    await editor.getByRole('combobox').first().selectOption(q2);
    await editor.getByLabel('Sample copy').selectOption('1');
    await expect.poll(() => editor.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), { timeout: 20_000 }).toBe(true);
    await waitFor(async () => (await admin.ok('GET', `/exams/${exam.id}/rubric-items`)).questions.find((q: { questionId: string }) => q.questionId === q2)?.mode === 'SUBTRACTIVE');
    await editor.getByTestId('region-canvas').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    const canvas = (await editor.getByTestId('region-canvas').boundingBox())!;
    await page.mouse.move(canvas.x + canvas.width * 0.1, canvas.y + canvas.height * 0.1);
    await page.mouse.down();
    await page.mouse.move(canvas.x + canvas.width * 0.5, canvas.y + canvas.height * 0.3, { steps: 5 });
    await page.mouse.move(canvas.x + canvas.width * 0.9, canvas.y + canvas.height * 0.5, { steps: 5 });
    await page.mouse.up();
    await shot(page, 'rubric-admin-scale');
    const list = await waitFor(async () => {
      const r = await admin.ok('GET', `/exams/${exam.id}/rubric-items`);
      const s = r.questions.find((q: { questionId: string }) => q.questionId === q2);
      return s?.region && s.mode === 'SUBTRACTIVE' ? r : null;
    });
    const settings = list.questions.find((q: { questionId: string }) => q.questionId === q2);
    expect(settings.region.pagePosition).toBe(1);
    expect(settings.region.x).toBeCloseTo(0.1, 1);
    expect(settings.region.w).toBeCloseTo(0.8, 1);
    expect(list.items.map((i: { label: string; points: number }) => [i.label, i.points])).toEqual([['Sign error', -100]]);
    await shot(page, 'rubric-admin-scale');

    // Correctors tab: Q2 goes to Teacher Alpha, up to 5 copies
    await page.goto(`/exams/${exam.id}/correctors`);
    const dispatch = page.getByTestId('question-dispatch');
    await dispatch.getByLabel('Q2 — Teacher Alpha').check();
    await dispatch.getByLabel('Quota Q2 — Teacher Alpha').fill('5');
    await dispatch.getByRole('button', { name: 'Save the assignments' }).click();
    await dispatch.getByRole('status').waitFor();
    const assigned = await admin.ok('GET', `/exams/${exam.id}/question-correctors`);
    expect(assigned.questions.find((q: { questionId: string }) => q.questionId === q2).assignments).toMatchObject([{ user: { id: ta!.id }, quota: 5 }]);
    await dispatch.getByTestId('progress-per-question').waitFor();
    await ctx.close();

    // Teacher Beta edits the first copy as a whole; Teacher Alpha, in question mode on Q2, is told who holds it
    const beta = await ApiClient.login(server.base, tb!.email, tb!.password);
    await beta.ok('POST', `/copies/${ids[0]}/lock`);
    const ctxA = await newContext(browser, server.base);
    const pa = await ctxA.newPage();
    await loginUi(pa, ta!.email, ta!.password);
    await pa.goto(`/copies/${ids[0]}/grade?question=${q2}`);
    const alert = pa.getByTestId('question-locked');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Teacher Beta');
    // the rubric cannot be applied meanwhile
    expect(await pa.getByTestId('rubric-item-0').isDisabled()).toBe(true);
    await shot(pa, 'rubric-question-locked');
    await ctxA.close();
  });
});

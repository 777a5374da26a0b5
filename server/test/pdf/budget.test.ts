import { describe, expect, it } from 'vitest';
import { PDFDocument } from 'pdf-lib';
import { checkBudgets, drawnNames, PDF_BUDGETS } from '../../src/pdf/budget.ts';
import { inspectPdf } from '../../src/pdf/inspect.ts';
import { PdfBudgetExceeded } from '../../src/errors.ts';
import { PdfPool } from '../../src/pdf/pool.ts';
import * as fx from '../fixtures/pdf-fixtures.ts';

const caps = { maxPages: 100, maxBytes: 1e9 };
const latin1 = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

/** DESIGN.md §9: what a file declares is checked before any page is rendered. */
describe('PDF budgets', () => {
  it.each([
    { name: '24 nested forms drawing the next twice', make: fx.nestedFormsBomb, detail: /^Page 1 nests forms more than 12 levels deep/ },
    { name: 'a content stream inflating to 1 GiB', make: fx.contentInflateBomb, detail: /^Page 1 has more drawing instructions than allowed/ },
    { name: 'a 20000×20000 image', make: fx.hugeImageBomb, detail: /^Page 1 holds an image of 20000 × 20000 pixels/ },
  ])('$name: refused in well under a second, naming the page', async ({ make, detail }) => {
    const pdf = make();
    const started = Date.now();
    const err = await inspectPdf(pdf, caps).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_PDF', status: 422, extra: { page: 1 } });
    expect((err as Error).message).toMatch(detail);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('counts every repeated draw: 5 levels of forms drawing the next 20 times is 3.4 million draws, within the depth cap', async () => {
    const levels = 5;
    const forms = Array.from({ length: levels }, (_, i) => (i === levels - 1 ? '0 0 1 1 re f' : Array(20).fill('/F Do').join(' ')));
    const objects = [
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /F 7 0 R >> >> /Contents 6 0 R >>',
      '<< /Length 12 >>\nstream\n0 0 1 1 re f\nendstream',
      '<< /Length 5 >>\nstream\n/F Do\nendstream',
      ...forms.map((body, i) => {
        const res = i === levels - 1 ? '<< >>' : `<< /XObject << /F ${8 + i} 0 R >> >>`;
        return `<< /Type /XObject /Subtype /Form /BBox [0 0 9 9] /Resources ${res} /Length ${body.length} >>\nstream\n${body}\nendstream`;
      }),
    ];
    const err = await inspectPdf(fx.rawPdf(objects), caps).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^Page 2 draws images or forms [\d,]+ times \(the limit is 100,000\)/);
  });

  it('passes real documents: scans, vector pages, rotated and mixed pages', async () => {
    for (const pdf of [await fx.scan4(), await fx.vectorText(), await fx.rotatedScan(), await fx.mixedSizes(), await fx.batch300()]) {
      checkBudgets(await PDFDocument.load(pdf));
    }
    expect(PDF_BUDGETS.maxImagePixels).toBeGreaterThan(4961 * 7016); // an A4 page scanned at 600 dpi
  });

  it('counts draws only where they are operators: not inside strings, comments or inline image data', () => {
    const content = '(a /X Do) Tj % /X Do\n<2f58> Tj BI /W 4 /H 1 /BPC 8 /CS /G ID \x00/X Do\nEI /Im1 Do q /Im2 Do Q';
    expect(drawnNames(latin1(content))).toEqual(['Im1', 'Im2']);
  });

  it('a task past its deadline fails as over budget, naming its page; the thread is replaced', async () => {
    const pool = new PdfPool({ size: 1, taskTimeoutMs: 1000 });
    try {
      await pool.inspectPdf(await fx.scan4(), caps); // thread is up
      const err = await pool.extractPageImages(fx.slowDrawsPdf(3000, 100)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PdfBudgetExceeded);
      expect(err).toMatchObject({ page: 1, final: true, message: 'Page 1 took longer than 1 s and was stopped' });
      expect(await pool.inspectPdf(await fx.scan4(), caps)).toMatchObject({ pageCount: 4 });
    } finally {
      await pool.close();
    }
  });
});

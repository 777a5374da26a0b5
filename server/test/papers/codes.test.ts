/** Page codes: the payload, the upright turn, the flags, the fallback plan, and reading codes off scan-like pages. */
import { afterAll, describe, expect, it } from 'vitest';
import { encodePageCode, parsePageCode, readPageCode, uprightRotation } from '../../src/pdf/codes.ts';
import { extractPageImages } from '../../src/pdf/page-image.ts';
import { renderPapers } from '../../src/pdf/papers.ts';
import { closePdfPool } from '../../src/pdf/pool.ts';
import { scanLike } from '../../src/pdf/scan-like.ts';
import { makeScanPageJpeg } from '../../src/pdf/synthetic-scan.ts';
import { codeFlag, sortByCode } from '../../src/services/paper-codes.service.ts';
import { planUncoded } from '../../src/services/upload.service.ts';

const EXAM = '0f8a1c2e-4b7d-4e21-9a3b-123456789abc';

describe('page codes', () => {
  afterAll(() => closePdfPool());

  it('payload: round trip in capitals, foreign text refused', () => {
    const text = encodePageCode({ examId: EXAM, paper: 12, page: 3 });
    expect(text).toBe(`KRG1/${EXAM.toUpperCase()}/12/3`);
    expect(parsePageCode(text)).toEqual({ examId: EXAM, paper: 12, page: 3 });
    expect(parsePageCode('https://example.test/12/3')).toBeNull();
    expect(parsePageCode(`KRG2/${EXAM.toUpperCase()}/12/3`)).toBeNull();
    expect(parsePageCode(`KRG1/${EXAM.toUpperCase()}/x/3`)).toBeNull();
  });

  it('a code turned by a quarter clockwise is shown turned back by three quarters', () => {
    expect([0, 2, -3, 87, 92, 179, -179, -90, 271].map(uprightRotation)).toEqual([0, 0, 0, 270, 270, 180, 180, 90, 90]);
  });

  it('flags name missing pages and duplicates as the booklet names them', () => {
    expect(codeFlag(4, 3, new Set([0, 1, 2, 3]), [])).toBeNull();
    expect(codeFlag(4, 3, new Set([1, 3]), [])).toBe('paper 4: missing cover, page 2');
    expect(codeFlag(4, 3, new Set([0, 1, 2, 3]), [2, 2, 1])).toBe('paper 4: page 1, page 2 scanned twice (duplicate in the bin)');
    expect(codeFlag(4, 1, new Set([0]), [0], ['note'])).toBe('paper 4: missing page 1; paper 4: cover scanned twice (duplicate in the bin); note');
  });

  it("pages without a code (or with another exam's) are split as before, in scan order, flagged 'no code'", () => {
    const code = (examId: string, paper: number, page: number) => ({ examId, paper, page, rotation: 0 as const });
    const sorted = sortByCode(EXAM, [code(EXAM, 1, 0), null, code('other', 1, 1), null, code(EXAM, 1, 1), null]);
    expect(sorted.coded.map((c) => c.index)).toEqual([0, 4]);
    expect(sorted.uncoded).toEqual([1, 2, 3, 5]);
    expect(planUncoded('BATCH', sorted.uncoded, 3)).toEqual([
      { start: 1, end: 3, pages: [1, 2, 3], flagged: 'no code' },
      { start: 5, end: 5, pages: [5], flagged: 'no code; incomplete: 1 of 3 pages' },
    ]);
  });

  it('reads the code of printed pages scanned skewed, turned and noisy; finds none on plain paper', async () => {
    const pdf = await renderPapers({ examId: EXAM, examTitle: 'Contrôle', booklets: [{ paper: 7, studentName: 'Zoé Chevalier', className: '1re C' }], pages: 1 });
    const [cover, page] = await extractPageImages(pdf);
    const cases = [
      { img: cover!, turn: 0, skew: -3 },
      { img: page!, turn: 90, skew: 2.5 },
      { img: cover!, turn: 180, skew: 3 },
      { img: page!, turn: 270, skew: -2 },
    ] as const;
    for (const [i, c] of cases.entries()) {
      const scan = await scanLike(c.img.bytes, { turn: c.turn, skewDeg: c.skew, noise: 50, seed: i + 1 });
      const read = await readPageCode(scan.bytes);
      expect(read, `turn ${c.turn}`).toEqual({ examId: EXAM, paper: 7, page: c.img === cover ? 0 : 1, rotation: (360 - c.turn) % 360 });
    }
    expect(await readPageCode(await makeScanPageJpeg({ name: 'Sans Code', pageInCopy: 0, pagesPerCopy: 2 }))).toBeNull();
  }, 900_000);

  it('the same papers twice are the same bytes', async () => {
    const input = { examId: EXAM, examTitle: 'Contrôle', booklets: [{ paper: 1, studentName: 'Léa Arnaud', className: '1re C' }, { paper: 2, studentName: null, className: null }], pages: 2 };
    expect(Buffer.compare(Buffer.from(await renderPapers(input)), Buffer.from(await renderPapers(input)))).toBe(0);
  });
});

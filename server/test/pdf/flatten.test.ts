import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { formatDelta, formatPoints } from '@korrigo/contracts/points';
import { flattenCopy, pdfPoints } from '../../src/pdf/flatten.ts';
import { pageSizeForImage } from '../../src/pdf/geometry.ts';
import { extractPageImages } from '../../src/pdf/page-image.ts';
import type { FlattenAnnotation, FlattenInput, PageImage } from '../../src/pdf/types.ts';
import * as fx from '../fixtures/pdf-fixtures.ts';
import { colourAt, meanColour, pdfPageText, renderPdfPage } from './pixels.ts';

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

async function whitePages(n: number): Promise<PageImage[]> {
  const bytes = await fx.plainJpeg(1240, 1754);
  return Array.from({ length: n }, () => ({ bytes, contentType: 'image/jpeg' as const, widthPx: 1240, heightPx: 1754 }));
}

async function scanPages(): Promise<PageImage[]> {
  const jpegs = await fx.scanJpegs();
  return [0, 1, 0, 1].map((i) => ({ bytes: jpegs[i]!, contentType: 'image/jpeg' as const, widthPx: 496, heightPx: 702 }));
}

const note = (a: Partial<FlattenAnnotation> & Pick<FlattenAnnotation, 'type'>): FlattenAnnotation => ({
  pagePosition: 0, x: 0.1, y: 0.1, w: 0.2, h: 0.1, content: null, scoreDelta: null, ...a,
});

function copy(pages: PageImage[], annotations: FlattenAnnotation[], extra: Partial<FlattenInput> = {}): FlattenInput {
  return {
    examTitle: 'Devoir surveillé n°3 — Analyse',
    copyCode: 'K7Q2',
    studentName: 'Łukasz Ørsted',
    pages,
    annotations,
    questions: [
      { id: 'q1', parentId: null, label: 'Exercice 1', maxPoints: 1000 },
      { id: 'q1a', parentId: 'q1', label: '1.a', maxPoints: 400 },
      { id: 'q1b', parentId: 'q1', label: '1.b', maxPoints: 600 },
      { id: 'q2', parentId: null, label: 'Exercice 2 — Δημήτρης', maxPoints: 1000 },
    ],
    scores: [
      { questionId: 'q1a', points: 350, comment: 'Très bien ✓' },
      { questionId: 'q1b', points: 250, comment: 'Il manque la justification : ½ point par argument.' },
      { questionId: 'q2', points: 850, comment: null },
    ],
    total: 1450,
    maxTotal: 2000,
    language: 'en',
    ...extra,
  };
}

/** Twenty annotations of every kind spread over four pages. */
function twentyAnnotations(): FlattenAnnotation[] {
  const types = ['COMMENT', 'HIGHLIGHT', 'TICK', 'CROSS', 'SCORE', 'FREEHAND'] as const;
  return Array.from({ length: 20 }, (_, i) => {
    const type = types[i % types.length]!;
    return note({
      type,
      pagePosition: i % 4,
      x: 0.1 + (i % 3) * 0.28,
      y: 0.05 + Math.floor(i / 3) * 0.13,
      w: 0.25,
      h: 0.1,
      content: type === 'COMMENT' ? 'Très bien ✓ mais ½ point perdu : justifier, Ørsted — Δημήτρης' : null,
      scoreDelta: type === 'SCORE' ? (i % 2 ? 150 : -50) : null,
      points: type === 'FREEHAND' ? [[0.2, 0.5], [0.25, 0.52], [0.3, 0.49], [0.35, 0.53]] : null,
    });
  });
}

describe('flattenCopy', () => {
  it('makes one page per page image plus a summary page, sized from the images', async () => {
    const pages = await scanPages();
    const pdf = await flattenCopy(copy(pages, twentyAnnotations()));
    const doc = await PDFDocument.load(pdf);
    expect(doc.getPageCount()).toBe(5);
    const expected = pageSizeForImage(496, 702);
    expect(doc.getPage(0).getWidth()).toBeCloseTo(expected.width, 2);
    expect(doc.getPage(0).getHeight()).toBeCloseTo(expected.height, 2);
  });

  it('embeds the page images as they are (no re-encoding)', async () => {
    const pages = await scanPages();
    const pdf = await flattenCopy(copy(pages, []));
    // Pages without annotations are plain full-page JPEGs again, so the passthrough finds the original bytes.
    const images = await extractPageImages(pdf);
    pages.forEach((page, i) => expect(same(images[i]!.bytes, page.bytes)).toBe(true));
  });

  it('is deterministic: same input, same bytes, whatever was rendered in between', async () => {
    const input = copy(await scanPages(), twentyAnnotations());
    const first = await flattenCopy(input);
    await flattenCopy(copy(await whitePages(1), [note({ type: 'COMMENT', content: 'Autre texte: Ωμέγα ŽŠČ' })]));
    const again = await flattenCopy(input);
    expect(same(first, again)).toBe(true);
    // No clock and no random file identifier inside.
    expect(Buffer.from(first).toString('latin1')).not.toMatch(/\/ID\s*\[/);
    const doc = await PDFDocument.load(first, { updateMetadata: false });
    expect(doc.getCreationDate()?.toISOString()).toBe('2000-01-01T00:00:00.000Z');
    expect(doc.getModificationDate()?.toISOString()).toBe('2000-01-01T00:00:00.000Z');
    expect(doc.getProducer()).toBe('Korrigo PDF engine');
  });

  it('stays within 1.1 × the size of its page images', async () => {
    const pages = await scanPages();
    const pdf = await flattenCopy(copy(pages, twentyAnnotations()));
    const images = pages.reduce((n, p) => n + p.bytes.length, 0);
    expect(pdf.length / images).toBeLessThanOrEqual(1.1);
  });

  it('draws annotations where their normalized geometry says', async () => {
    const annotations = [
      note({ type: 'HIGHLIGHT', x: 0.1, y: 0.1, w: 0.3, h: 0.05 }),
      note({ type: 'CROSS', x: 0.6, y: 0.6, w: 0.2, h: 0.2 }),
      note({ type: 'TICK', x: 0.1, y: 0.6, w: 0.2, h: 0.2 }),
      note({ type: 'SCORE', x: 0.6, y: 0.1, w: 0.15, h: 0.06, scoreDelta: 150 }),
      note({ type: 'SCORE', x: 0.6, y: 0.3, w: 0.15, h: 0.06, scoreDelta: -50 }),
      note({ type: 'FREEHAND', points: [[0.3, 0.4], [0.5, 0.4]] }),
    ];
    const pdf = await flattenCopy(copy(await whitePages(1), annotations));
    const px = await renderPdfPage(pdf, 0, 144);

    const highlight = meanColour(px, 0.12, 0.11, 0.26, 0.03);
    expect(highlight[0]).toBeGreaterThan(230);
    expect(highlight[1]).toBeGreaterThan(200);
    expect(highlight[2]).toBeLessThan(200);
    // Beside the box and at its mirror image (had y not been flipped), the paper is white.
    for (const [x, y] of [[0.05, 0.12], [0.25, 0.875], [0.25, 0.17]] as const) {
      expect(meanColour(px, x, y, 0.01, 0.01)[2]).toBeGreaterThan(245);
    }

    const isRed = ([r, g, b]: number[]) => r! > 150 && g! < 110 && b! < 110;
    const isGreen = ([r, g, b]: number[]) => g! > r! + 50 && g! > b! + 50;
    const isBlue = ([r, g, b]: number[]) => b! > 150 && b! > r! + 80 && b! > g! + 30;
    const isWhite = ([r, g, b]: number[]) => r! > 245 && g! > 245 && b! > 245;
    expect(isRed(colourAt(px, 0.7, 0.7))).toBe(true); // where the strokes cross
    expect(isWhite(colourAt(px, 0.7, 0.64))).toBe(true); // inside the box, between the strokes
    expect(isWhite(colourAt(px, 0.85, 0.7))).toBe(true); // outside the box
    expect(isGreen(colourAt(px, 0.1 + 0.4 * 0.2, 0.6 + 0.85 * 0.2))).toBe(true); // the tick's lowest point
    // Score badges are pills: filled at the middle of their left end, paper at their rounded-off corner.
    expect(isBlue(colourAt(px, 0.61, 0.13))).toBe(true);
    expect(isBlue(colourAt(px, 0.61, 0.33))).toBe(true);
    expect(isWhite(colourAt(px, 0.602, 0.102))).toBe(true);
    expect(isWhite(colourAt(px, 0.59, 0.13))).toBe(true);
    expect(isRed(colourAt(px, 0.4, 0.4))).toBe(true); // freehand stroke
    expect(isWhite(colourAt(px, 0.4, 0.42))).toBe(true);
  });

  it('writes Unicode text and a summary with points over maxima, comments and the total', async () => {
    const pdf = await flattenCopy(copy(await whitePages(2), [note({ type: 'COMMENT', content: 'Très bien ✓ ½' })]));
    expect(await pdfPageText(pdf, 0)).toContain('Très bien ✓ ½');
    const summary = (await pdfPageText(pdf, 2)).replace(/\s+/g, ' ');
    for (const expected of [
      'Devoir surveillé n°3 — Analyse', 'K7Q2', 'Łukasz Ørsted', 'Exercice 2 — Δημήτρης', '3.5 / 4', 'Très bien ✓',
      '2.5 / 6', '½ point', '8.5 / 10', 'Exercice 1 6 / 10', '14.5 / 20',
    ]) {
      expect(summary).toContain(expected);
    }
  });

  it('writes the summary and the score badges in French by default: labels, and decimal commas', async () => {
    const badge = note({ type: 'SCORE', content: null, scoreDelta: 150 });
    const pdf = await flattenCopy(copy(await whitePages(1), [badge], { language: undefined }));
    expect(await pdfPageText(pdf, 0)).toContain('+1,5');
    const summary = (await pdfPageText(pdf, 1)).replace(/\s+/g, ' ');
    for (const expected of ['Copie: K7Q2', 'Élève: Łukasz Ørsted', 'Commentaire', '3,5 / 4', '2,5 / 6', '14,5 / 20']) expect(summary).toContain(expected);
    expect(summary).not.toContain('Student');
  });

  it('defect 5: an exercise row shows the subtotal of its questions, never "— / max" when they are scored', async () => {
    const pdf = await flattenCopy(copy(await whitePages(1), []));
    const summary = (await pdfPageText(pdf, 1)).replace(/\s+/g, ' ');
    expect(summary).toContain('Exercice 1 6 / 10');
    expect(summary).not.toContain('— / 10');
  });

  it('says "not scored" for questions left unscored on purpose, sums the rest, and says so under the total', async () => {
    const input = (language: 'fr' | 'en') =>
      copy([], [], {
        language,
        questions: [...copy([], []).questions, { id: 'q3', parentId: null, label: 'Exercice 3', maxPoints: 500 }],
        scores: [{ questionId: 'q1a', points: 350, comment: null }],
        notScored: ['q1b', 'q2'],
        total: 350,
        maxTotal: 2500,
      });
    const pages = async (language: 'fr' | 'en') => (await pdfPageText(await flattenCopy(input(language)), 0)).replace(/\s+/g, ' ');
    const fr = await pages('fr');
    for (const expected of ['1.a 3,5 / 4', '1.b non noté / 6', 'Exercice 1 3,5 / 10', 'Δημήτρης non noté / 10', 'Exercice 3 — / 5', 'Total 3,5 / 25', '2 questions non notées : 1.b, Exercice 2 — Δημήτρης']) {
      expect(fr).toContain(expected);
    }
    const en = await pages('en');
    for (const expected of ['1.b not scored / 6', 'Exercice 1 3.5 / 10', 'Total 3.5 / 25', '2 questions not scored: 1.b, Exercice 2 — Δημήτρης']) {
      expect(en).toContain(expected);
    }
    const one = (await pdfPageText(await flattenCopy({ ...input('fr'), notScored: ['q2'] }), 0)).replace(/\s+/g, ' ');
    expect(one).toContain('1 question non notée : Exercice 2');
    expect(one).toContain('1.b — / 6');
  });

  it('leaves the student out of the summary when the copy is anonymous', async () => {
    const pdf = await flattenCopy(copy(await whitePages(1), [], { studentName: null }));
    const summary = await pdfPageText(pdf, 1);
    expect(summary).toContain('K7Q2');
    expect(summary).not.toContain('Student');
  });

  it('continues the summary on more pages when the scale is long, losing no question', async () => {
    const questions = Array.from({ length: 60 }, (_, i) => ({
      id: `q${i}`, parentId: null, label: `Question ${i + 1}`, maxPoints: 200,
    }));
    const comment = 'Commentaire assez long pour occuper deux lignes dans la colonne des commentaires du tableau.';
    const scores = questions.map((q) => ({ questionId: q.id, points: 100, comment }));
    const pdf = await flattenCopy(copy(await whitePages(1), [], { questions, scores, total: 6000, maxTotal: 12000 }));
    const doc = await PDFDocument.load(pdf);
    expect(doc.getPageCount()).toBeGreaterThan(2);
    let text = '';
    for (let i = 1; i < doc.getPageCount(); i++) text += await pdfPageText(pdf, i);
    for (const q of questions) expect(text).toContain(`${q.label} `);
    expect(text).toContain('60 / 120');
  });

  it('fits or truncates long comments, and survives empty and odd text', async () => {
    const long = 'Réponse confuse. '.repeat(80) + 'Unbreakablewordwithoutanyspacesatallwhichmustbecut'.repeat(3);
    const annotations = [
      note({ type: 'COMMENT', content: long }),
      note({ type: 'COMMENT', content: '', x: 0.5 }),
      note({ type: 'COMMENT', content: 'tab\there\r\nnew line\u0007', y: 0.5 }),
      note({ type: 'COMMENT', content: 'tiny', w: 0.001, h: 0.001, y: 0.8 }),
      note({ type: 'SCORE', scoreDelta: null, content: 'Q3', y: 0.7 }),
      note({ type: 'FREEHAND', points: [[0.5, 0.5]] }),
      note({ type: 'FREEHAND', points: null }),
    ];
    const pdf = await flattenCopy(copy(await whitePages(1), annotations));
    expect((await pdfPageText(pdf, 0)).replace(/\s+/g, ' ')).toContain('…');
  });

  it('embeds PNG pages and refuses WebP with a clear error', async () => {
    const png = await (async () => {
      const { withCanvas } = await import('../../src/pdf/canvas.ts');
      return withCanvas(40, 60, async (c) => new Uint8Array(await c.encode('png')));
    })();
    const pdf = await flattenCopy(copy([{ bytes: png, contentType: 'image/png', widthPx: 40, heightPx: 60 }], []));
    expect((await PDFDocument.load(pdf)).getPageCount()).toBe(2);
    const webp = { bytes: new Uint8Array([1, 2, 3]), contentType: 'image/webp' as const, widthPx: 40, heightPx: 60 };
    await expect(flattenCopy(copy([webp], []))).rejects.toThrow(/webp.*JPEG or PNG/i);
  });

  it('accepts page images that are views into a larger buffer', async () => {
    const [page] = await whitePages(1);
    const padded = new Uint8Array(page!.bytes.length + 10);
    padded.set(page!.bytes, 10);
    const view = padded.subarray(10);
    const pdf = await flattenCopy(copy([{ ...page!, bytes: view }], []));
    expect((await PDFDocument.load(pdf)).getPageCount()).toBe(2);
  });

  it('refuses an annotation on a page the copy does not have rather than dropping it', async () => {
    await expect(flattenCopy(copy(await whitePages(2), [note({ type: 'TICK', pagePosition: 2 })]))).rejects.toThrow(
      /page 3 but the copy has 2 pages/,
    );
  });
});

describe('point formatting in the PDF (the typographic minus sign)', () => {
  it.each([
    [150, '1.5', '+1.5'],
    [-50, '−0.5', '−0.5'],
    [0, '0', '0'],
    [1200, '12', '+12'],
    [125, '1.25', '+1.25'],
    [5, '0.05', '+0.05'],
    [-1010, '−10.1', '−10.1'],
  ])('%i hundredths → %s / %s', (hundredths, points, delta) => {
    expect(formatPoints(hundredths, pdfPoints('.'))).toBe(points);
    expect(formatDelta(hundredths, pdfPoints('.'))).toBe(delta);
  });
});

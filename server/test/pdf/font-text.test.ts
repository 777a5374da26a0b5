import { describe, expect, it } from 'vitest';
import { flattenCopy } from '../../src/pdf/flatten.ts';
import type { FlattenInput } from '../../src/pdf/types.ts';
import { pdfPageText } from './pixels.ts';

/** A copy whose summary puts `comment` (and nothing else with a capital E) in the regular font. */
const copy = (studentName: string | null, comment: string): FlattenInput => ({
  examTitle: 'T',
  copyCode: 'c',
  studentName,
  pages: [],
  annotations: [],
  questions: [{ id: 'q', parentId: null, label: 'Q', maxPoints: 100 }],
  scores: [{ questionId: 'q', points: 100, comment }],
  total: 100,
  maxTotal: 100,
  language: 'fr',
});

// Its own file: the parsed font (and fontkit's glyph objects) live as long as the thread, so the order matters.
describe('text of the final PDF stays searchable across documents', () => {
  it('a letter first met inside an accented one (E in É) keeps its Unicode in later documents', async () => {
    await flattenCopy(copy('x', 'ok')); // "Élève: x": É is a composite glyph built on E
    const text = (await pdfPageText(await flattenCopy(copy(null, 'Exercice E')), 0)).replace(/\s+/g, ' ');
    expect(text).toContain('Exercice E');
  });
});

import { describe, expect, it } from 'vitest';
import { parsePayload } from './draft';

describe('parsePayload', () => {
  it('keeps the version each typed score was based on', () => {
    const p = parsePayload({ v: 1, scores: { q1: { points: '2', comment: 'c', base: 3 } }, editor: null, writes: null });
    expect(p.scores).toEqual({ q1: { points: '2', comment: 'c', base: 3 } });
  });
  it('treats a draft without a base version (older format, or garbage) as based on no score: a saved score makes it a conflict', () => {
    const p = parsePayload({ scores: { q1: { points: '2', comment: '' }, q2: { points: '1', comment: '', base: -4 }, q3: { points: '1', comment: '', base: 1.5 } } });
    expect(Object.values(p.scores).map((e) => e.base)).toEqual([0, 0, 0]);
  });
});

import { describe, expect, it } from 'vitest';
import { planBooklets, renderBatches } from '../../src/services/upload.service.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('ingest planning', () => {
  it('BATCH cuts every pagesPerCopy pages and flags a short last booklet; SINGLE is one booklet', () => {
    expect(planBooklets('BATCH', 7, 2)).toEqual([
      { start: 0, end: 1, flagged: null },
      { start: 2, end: 3, flagged: null },
      { start: 4, end: 5, flagged: null },
      { start: 6, end: 6, flagged: 'incomplete: 1 of 2 pages' },
    ]);
    expect(planBooklets('SINGLE', 3, 4)).toEqual([{ start: 0, end: 2, flagged: 'incomplete: 3 of 4 pages' }]);
  });

  it.each([
    [1, 2],
    [4, 2],
    [16, 2],
    [17, 2],
    [40, 2],
    [40, 3],
    [301, 2],
  ])('renders %i pages on %i threads in even tasks of at most 8 pages, every page once, in order', (n, threads) => {
    const batches = renderBatches(range(n), threads);
    expect(batches.flat()).toEqual(range(n));
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(8);
    // spread as evenly as the fewest rounds of tasks over the threads allow, all of one size but the last
    const rounds = Math.ceil(n / (threads * 8));
    expect(Math.max(...batches.map((b) => b.length))).toBe(Math.ceil(n / (threads * rounds)));
    expect(new Set(batches.slice(0, -1).map((b) => b.length)).size).toBeLessThanOrEqual(1);
    expect(batches.at(-1)!.length).toBeLessThanOrEqual(batches[0]!.length);
  });

  it('40 pages on 2 threads: 6 tasks of 7 or fewer, 3 per thread', () => {
    expect(renderBatches(range(40), 2).map((b) => b.length)).toEqual([7, 7, 7, 7, 7, 5]);
  });
});

import { describe, expect, it } from 'vitest';
import { examStage } from './stage';

const e = (counts: Record<string, number>, released = false, archived = false) => ({
  counts,
  resultsReleasedAt: released ? '2026-12-01T10:00:00Z' : null,
  archivedAt: archived ? '2026-12-02T10:00:00Z' : null,
});

describe('exam stage', () => {
  it('says where an exam stands before release, not only after', () => {
    expect(examStage(e({}))).toBe('SETUP');
    expect(examStage(e({ MERGED: 2 }))).toBe('SETUP');
    expect(examStage(e({ STAGING: 1, READY: 3 }))).toBe('IDENTIFICATION');
    expect(examStage(e({ READY: 2, GRADED: 1 }))).toBe('GRADING');
    expect(examStage(e({ GRADED: 3, MERGED: 1 }))).toBe('GRADED');
    expect(examStage(e({ GRADED: 3 }, true))).toBe('RELEASED');
    expect(examStage(e({ GRADED: 3 }, true, true))).toBe('ARCHIVED');
  });
});

import type { Exam } from '@korrigo/contracts';

/** Where an exam stands, from its counts: what the exams list shows, before and after release. */
export type ExamStage = 'ARCHIVED' | 'RELEASED' | 'SETUP' | 'IDENTIFICATION' | 'GRADING' | 'GRADED';

export function examStage(e: Pick<Exam, 'counts' | 'resultsReleasedAt' | 'archivedAt'>): ExamStage {
  if (e.archivedAt) return 'ARCHIVED';
  if (e.resultsReleasedAt) return 'RELEASED';
  const n = (s: string) => e.counts?.[s] ?? 0;
  const live = Object.entries(e.counts ?? {}).filter(([s]) => s !== 'MERGED').reduce((sum, [, v]) => sum + v, 0);
  if (live === 0) return 'SETUP';
  if (n('STAGING') > 0) return 'IDENTIFICATION';
  if (n('GRADED') === live) return 'GRADED';
  return 'GRADING';
}

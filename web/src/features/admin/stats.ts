/**
 * GET /exams/:id/stats (`ExamStats` of the contracts) as the results tab shows it: one row per exam, question and
 * corrector, every number in hundredths of a point.
 */
import type { Distribution, ExamStats } from '@korrigo/contracts';

export interface Bucket {
  from: number;
  to: number;
  count: number;
}
export interface Summary {
  label: string;
  count: number | null;
  mean: number | null;
  median: number | null;
  sd: number | null;
  min: number | null;
  max: number | null;
  maxPoints: number | null;
  histogram: Bucket[];
}
export interface NormalStats {
  exam: Summary;
  questions: Summary[];
  correctors: Summary[];
}

function summary(d: Distribution, label: string, maxPoints: number | null): Summary {
  const { count, mean, median, sd, min, max, histogram } = d;
  return { label, count, mean, median, sd, min, max, maxPoints, histogram: histogram.map(({ from, to, count: n }) => ({ from, to, count: n })) };
}

export function normalizeStats(stats: ExamStats, examLabel: string, maxTotal: number): NormalStats {
  return {
    exam: summary(stats.total, examLabel, maxTotal),
    questions: stats.questions.map((q) => summary(q, q.label, q.maxPoints)),
    // `user` null: copies nobody was assigned to nor submitted
    correctors: stats.correctors.map((c, i) => summary(c, c.user?.displayName ?? `#${i + 1}`, null)),
  };
}

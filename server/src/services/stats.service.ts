/**
 * Exam statistics over GRADED copies (the only ones with a result), totals from `computeTotal`. All values are
 * hundredths of a point. The standard deviation is the population one (divide by n): the graded copies are the
 * whole class, not a sample of it. Absent, excused and exempt students have no copy, so no result: they are
 * counted apart (`excluded`), never as zeros.
 */
import type { AppContext, Actor } from '../context.ts';
import type { ExamStats } from '@korrigo/contracts';
import { loadExamFor, requireRole } from './access.ts';
import { statusesWithoutCopy } from '../repositories/attendance.repository.ts';
import { listQuestions } from '../repositories/exam.repository.ts';
import * as stats from '../repositories/stats.repository.ts';
import { computeMaxTotal, leafQuestions, leavesBelow } from './total.ts';

const round2 = (x: number) => Math.round(x * 100) / 100;

export function distribution(values: readonly number[], maxPoints: number, bins: number) {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return distributionOfCounts(counts, maxPoints, bins);
}

/** `distribution` of a multiset given as value → how many times it occurs (what the SQL aggregates return). */
export function distributionOfCounts(counts: ReadonlyMap<number, number>, maxPoints: number, bins: number) {
  const width = maxPoints / bins;
  const histogram = Array.from({ length: maxPoints > 0 ? bins : 1 }, (_, i) => ({
    from: maxPoints > 0 ? round2(i * width) : 0,
    to: maxPoints > 0 ? round2((i + 1) * width) : 0,
    count: 0,
  }));
  const sorted = [...counts.entries()].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
  let n = 0;
  let sum = 0;
  for (const [v, c] of sorted) {
    // integer arithmetic: v * bins / max is exact enough, and the maximum falls in the last bin
    const i = maxPoints > 0 ? Math.min(bins - 1, Math.max(0, Math.floor((v * bins) / maxPoints))) : 0;
    histogram[i]!.count += c;
    n += c;
    sum += v * c;
  }
  if (n === 0) return { count: 0, mean: null, median: null, sd: null, min: null, max: null, histogram };
  const mean = sum / n;
  // the values at ranks mid - 1 and mid of the sorted multiset
  const mid = Math.floor(n / 2);
  const at = (rank: number) => {
    let seen = 0;
    for (const [v, c] of sorted) if ((seen += c) > rank) return v;
    return sorted[sorted.length - 1]![0];
  };
  const median = n % 2 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
  const variance = sorted.reduce((s, [v, c]) => s + c * (v - mean) ** 2, 0) / n;
  return {
    count: n,
    mean: round2(mean),
    median: round2(median),
    sd: round2(Math.sqrt(variance)),
    min: sorted[0]![0],
    max: sorted[sorted.length - 1]![0],
    histogram,
  };
}

/**
 * Computed by SQL aggregates (stats.repository.ts): a few rows per question and per corrector come back, not a row
 * per copy, whatever the size of the exam. The same values as `loadResults` + `questionResults` + `computeTotal`
 * would give (test/workflow/export-stats.test.ts compares them).
 */
export async function examStats(ctx: AppContext, actor: Actor, examId: string, q: { bins: number }): Promise<ExamStats> {
  requireRole(actor, 'ADMIN', 'TEACHER');
  await loadExamFor(ctx.db, actor, examId);
  const questions = await listQuestions(ctx.db, examId);
  const leaves = leafQuestions(questions).map((qn) => qn.id);
  const below = leavesBelow(questions);
  const [counts, absent, totals, values, notScored] = await Promise.all([
    stats.copyCounts(ctx.db, examId),
    statusesWithoutCopy(ctx.db, examId),
    stats.totalCounts(ctx.db, examId, leaves),
    below.length ? stats.questionValueCounts(ctx.db, examId, below) : [],
    below.length ? stats.questionNotScoredCounts(ctx.db, examId, below) : [],
  ]);
  const maxTotal = computeMaxTotal(questions);
  const excluded = { absent: 0, excused: 0, exempt: 0 };
  for (const a of absent) excluded[a.status.toLowerCase() as keyof typeof excluded]++;

  const children = new Set(questions.map((qn) => qn.parent_id).filter((p): p is string => p !== null));
  // a copy where every question was left "not scored" has no total: it is not a 0 either
  const noTotal = (t: (typeof totals)[number]) => t.marks > 0 && t.marks === leaves.length && t.scored === 0;
  const allTotals = new Map<number, number>();
  const byCorrector = new Map<string | null, { user: { id: string; displayName: string } | null; totals: Map<number, number> }>();
  for (const t of totals) {
    if (noTotal(t)) continue;
    allTotals.set(t.total, (allTotals.get(t.total) ?? 0) + t.n);
    const key = t.corrector_id ?? null;
    const entry = byCorrector.get(key) ?? { user: key ? { id: key, displayName: t.corrector_name ?? '' } : null, totals: new Map() };
    entry.totals.set(t.total, (entry.totals.get(t.total) ?? 0) + t.n);
    byCorrector.set(key, entry);
  }

  // a question's value on a copy: a leaf's points, an exercise's subtotal (missing scores count 0, as in the
  // total); a copy where the question, or one below it, was left "not scored" is counted apart, not as 0
  const notScoredOf = new Map(notScored.map((r) => [r.q, r.n]));
  const valuesOf = new Map<string, Map<number, number>>();
  for (const r of values) {
    const m = valuesOf.get(r.q) ?? new Map<number, number>();
    m.set(r.v, (m.get(r.v) ?? 0) + r.n);
    valuesOf.set(r.q, m);
  }

  return {
    examId,
    maxTotal,
    copies: counts.copies,
    graded: counts.graded,
    excluded,
    total: distributionOfCounts(allTotals, maxTotal, q.bins),
    notScoredCopies: totals.filter((t) => t.marks > 0).reduce((n, t) => n + t.n, 0),
    questions: questions.map((qn) => {
      const ns = notScoredOf.get(qn.id) ?? 0;
      const scored = new Map(valuesOf.get(qn.id) ?? []);
      const withValue = [...scored.values()].reduce((a, b) => a + b, 0);
      const zeros = counts.graded - ns - withValue; // no score at or below it, nothing left "not scored": 0
      if (zeros > 0) scored.set(0, (scored.get(0) ?? 0) + zeros);
      return {
        id: qn.id,
        parentId: qn.parent_id,
        label: qn.label,
        maxPoints: qn.max_points,
        isLeaf: !children.has(qn.id),
        notScored: ns,
        ...distributionOfCounts(scored, qn.max_points, q.bins),
      };
    }),
    correctors: [...byCorrector.values()]
      .sort((a, b) => (a.user?.displayName ?? '\uffff').localeCompare(b.user?.displayName ?? '\uffff'))
      .map((c) => ({ user: c.user, ...distributionOfCounts(c.totals, maxTotal, q.bins) })),
  };
}

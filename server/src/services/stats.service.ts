/**
 * Exam statistics over GRADED copies (the only ones with a result), totals from `computeTotal`. All values are
 * hundredths of a point. The standard deviation is the population one (divide by n): the graded copies are the
 * whole class, not a sample of it. Absent, excused and exempt students have no copy, so no result: they are
 * counted apart (`excluded`), never as zeros.
 */
import type { AppContext, Actor } from '../context.ts';
import type { ExamStats } from '@korrigo/contracts';
import { loadExamFor, requireRole } from './access.ts';
import { loadResults } from './export.service.ts';
import { statusesWithoutCopy } from '../repositories/attendance.repository.ts';

const round2 = (x: number) => Math.round(x * 100) / 100;

export function distribution(values: readonly number[], maxPoints: number, bins: number) {
  const n = values.length;
  const width = maxPoints / bins;
  const histogram = Array.from({ length: maxPoints > 0 ? bins : 1 }, (_, i) => ({
    from: maxPoints > 0 ? round2(i * width) : 0,
    to: maxPoints > 0 ? round2((i + 1) * width) : 0,
    count: 0,
  }));
  for (const v of values) {
    // integer arithmetic: v * bins / max is exact enough, and the maximum falls in the last bin
    const i = maxPoints > 0 ? Math.min(bins - 1, Math.max(0, Math.floor((v * bins) / maxPoints))) : 0;
    histogram[i]!.count++;
  }
  if (n === 0) return { count: 0, mean: null, median: null, sd: null, min: null, max: null, histogram };
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / n;
  const mid = Math.floor(n / 2);
  const median = n % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const variance = sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  return {
    count: n,
    mean: round2(mean),
    median: round2(median),
    sd: round2(Math.sqrt(variance)),
    min: sorted[0]!,
    max: sorted[n - 1]!,
    histogram,
  };
}

export async function examStats(ctx: AppContext, actor: Actor, examId: string, q: { bins: number }): Promise<ExamStats> {
  requireRole(actor, 'ADMIN', 'TEACHER');
  await loadExamFor(ctx.db, actor, examId);
  const [{ results, questions, maxTotal }, absent] = await Promise.all([loadResults(ctx.db, examId), statusesWithoutCopy(ctx.db, examId)]);
  const excluded = { absent: 0, excused: 0, exempt: 0 };
  for (const a of absent) excluded[a.status.toLowerCase() as keyof typeof excluded]++;
  const graded = results.filter((r) => r.total !== null);

  // a question's value on a copy: a leaf's points, an exercise's subtotal (missing scores count 0, as in the
  // total); a copy where the question, or one below it, was left "not scored" is counted apart, not as 0
  const children = new Map<string, string[]>();
  for (const qn of questions) if (qn.parent_id) children.set(qn.parent_id, [...(children.get(qn.parent_id) ?? []), qn.id]);
  const valueOf = (qid: string, r: (typeof graded)[number]): number | null => {
    const res = r.byQuestion.get(qid);
    return !res || res.notScored > 0 ? null : (res.points ?? 0);
  };

  // a copy where every question was left "not scored" has no total: it is not a 0 either
  const withTotal = graded.filter((r) => !(r.notScored.length > 0 && r.points.size === 0));
  const byCorrector = new Map<string | null, { user: { id: string; displayName: string } | null; totals: number[] }>();
  for (const r of withTotal) {
    const key = r.corrector_id ?? null;
    const entry = byCorrector.get(key) ?? { user: key ? { id: key, displayName: r.corrector_name ?? '' } : null, totals: [] };
    entry.totals.push(r.total!);
    byCorrector.set(key, entry);
  }

  return {
    examId,
    maxTotal,
    copies: results.length,
    graded: graded.length,
    excluded,
    total: distribution(withTotal.map((r) => r.total!), maxTotal, q.bins),
    notScoredCopies: graded.filter((r) => r.notScored.length > 0).length,
    questions: questions.map((qn) => {
      const values = graded.map((r) => valueOf(qn.id, r));
      const scored = values.filter((v): v is number => v !== null);
      return {
        id: qn.id,
        parentId: qn.parent_id,
        label: qn.label,
        maxPoints: qn.max_points,
        isLeaf: !children.has(qn.id),
        notScored: values.length - scored.length,
        ...distribution(scored, qn.max_points, q.bins),
      };
    }),
    correctors: [...byCorrector.values()]
      .sort((a, b) => (a.user?.displayName ?? '\uffff').localeCompare(b.user?.displayName ?? '\uffff'))
      .map((c) => ({ user: c.user, ...distribution(c.totals, maxTotal, q.bins) })),
  };
}

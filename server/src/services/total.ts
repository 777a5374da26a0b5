/**
 * THE total of a copy (DESIGN.md §2: one function). Only leaf questions carry points; a score on a question
 * that is no longer part of the scale does not count. Everything that shows or exports a total calls this.
 */
export function computeTotal(
  scores: ReadonlyArray<{ question_id: string; points: number }>,
  leafQuestionIds: ReadonlySet<string>,
): number {
  let total = 0;
  for (const s of scores) if (leafQuestionIds.has(s.question_id)) total += s.points;
  return total;
}

/** The exam's real maximum: the sum of its leaf questions. */
export function computeMaxTotal(questions: ReadonlyArray<{ id: string; parent_id: string | null; max_points: number }>): number {
  return leafQuestions(questions).reduce((sum, q) => sum + q.max_points, 0);
}

export function leafQuestions<Q extends { id: string; parent_id: string | null }>(questions: ReadonlyArray<Q>): Q[] {
  const parents = new Set(questions.map((q) => q.parent_id).filter((p): p is string => p !== null));
  return questions.filter((q) => !parents.has(q.id));
}

/** What a copy got on one question of the scale (see `questionResults`). */
export interface QuestionResult {
  /** a leaf: its points, null without a score; an exercise: the sum of its scored leaves, null when none is scored */
  points: number | null;
  /** the leaves at or below the question: all of them, those explicitly "not scored", those with no score at all */
  leaves: number;
  notScored: number;
  missing: number;
}

/**
 * Per question of the scale, the copy's points: a leaf's score, an exercise's subtotal of its leaves (the same
 * sums as `computeTotal`, whose total is the subtotal of the whole scale). A leaf marked "not scored" adds nothing
 * and is counted apart, never as 0.
 */
export function questionResults(
  questions: ReadonlyArray<{ id: string; parent_id: string | null }>,
  scores: ReadonlyArray<{ question_id: string; points: number }>,
  notScoredIds: ReadonlySet<string>,
): Map<string, QuestionResult> {
  const points = new Map(scores.map((s) => [s.question_id, s.points]));
  const children = new Map<string, string[]>();
  for (const q of questions) if (q.parent_id !== null) children.set(q.parent_id, [...(children.get(q.parent_id) ?? []), q.id]);
  const out = new Map<string, QuestionResult>();
  const visit = (id: string, path: ReadonlySet<string>): QuestionResult => {
    const known = out.get(id);
    if (known) return known;
    const kids = (children.get(id) ?? []).filter((k) => !path.has(k)); // a parent cycle in bad data ends here
    let r: QuestionResult;
    if (!kids.length) {
      const p = points.get(id);
      r = { points: p ?? null, leaves: 1, notScored: p === undefined && notScoredIds.has(id) ? 1 : 0, missing: p === undefined && !notScoredIds.has(id) ? 1 : 0 };
    } else {
      r = { points: null, leaves: 0, notScored: 0, missing: 0 };
      for (const k of kids) {
        const c = visit(k, new Set(path).add(k));
        if (c.points !== null) r.points = (r.points ?? 0) + c.points;
        r.leaves += c.leaves;
        r.notScored += c.notScored;
        r.missing += c.missing;
      }
    }
    out.set(id, r);
    return r;
  };
  for (const q of questions) visit(q.id, new Set([q.id]));
  return out;
}

/**
 * Every question of the scale paired with each leaf at or below it (a leaf with itself): the leaves whose points
 * make the question's value in `questionResults`, for the statistics computed in SQL.
 */
export function leavesBelow(questions: ReadonlyArray<{ id: string; parent_id: string | null }>): Array<[string, string]> {
  const children = new Map<string, string[]>();
  for (const q of questions) if (q.parent_id !== null) children.set(q.parent_id, [...(children.get(q.parent_id) ?? []), q.id]);
  const out: Array<[string, string]> = [];
  const collect = (top: string, id: string, path: ReadonlySet<string>) => {
    const kids = (children.get(id) ?? []).filter((k) => !path.has(k)); // a parent cycle in bad data ends here
    if (!kids.length) out.push([top, id]);
    for (const k of kids) collect(top, k, new Set(path).add(k));
  };
  for (const q of questions) collect(q.id, q.id, new Set([q.id]));
  return out;
}

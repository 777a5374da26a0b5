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

/** Rows of a released result: every question of the scale, exercises with the sum of their questions. */
import type { MyCopy } from '../../api/client';

export interface ResultRow {
  questionId: string;
  label: string;
  points: number;
  /** left "not scored" by the teacher (an exercise: every question below it): shown so, never as 0 */
  notScored: boolean;
  maxPoints: number;
  comment: string | null;
  /** the rubric items applied on the question, with their comments (issue 13) */
  rubric: { label: string; comment: string; points: number; kind: 'DELTA' | 'ABSOLUTE' }[];
  isLeaf: boolean;
  depth: number;
}

export function resultRows(c: MyCopy): ResultRow[] {
  const byParent = new Map<string | null, MyCopy['questions']>();
  for (const q of c.questions) byParent.set(q.parentId ?? null, [...(byParent.get(q.parentId ?? null) ?? []), q]);
  const out: ResultRow[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const q of byParent.get(parent) ?? []) {
      out.push({ questionId: q.id, label: q.label, points: q.points, notScored: q.notScored, maxPoints: q.maxPoints, comment: q.comment, rubric: q.rubric ?? [], isLeaf: q.isLeaf, depth });
      walk(q.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

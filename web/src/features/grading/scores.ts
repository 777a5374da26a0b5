/** The grading scale as the desk shows it, and the live total. Pure functions, tested. */
import type { Question, Score } from '@korrigo/contracts';
import { clampPoints, parsePoints } from '../../lib/points';

export interface ScaleRow extends Question {
  depth: number;
}

/** Questions in reading order: each exercise followed by its questions. */
export function scaleRows(questions: Question[]): ScaleRow[] {
  const byParent = new Map<string | null, Question[]>();
  for (const q of questions) {
    const k = q.parentId ?? null;
    byParent.set(k, [...(byParent.get(k) ?? []), q]);
  }
  const out: ScaleRow[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const q of [...(byParent.get(parent) ?? [])].sort((a, b) => a.position - b.position)) {
      out.push({ ...q, depth });
      walk(q.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

export interface ScoreInput {
  points: string;
  comment: string;
}

/** A line under a question's fields: information (clamped to the max) or an error (invalid points, refused write). */
export interface ScoreNote {
  text: string;
  error: boolean;
}

/**
 * Live total in hundredths: what is typed when it parses (clamped to the max, as it will be saved; an emptied field
 * counts 0, as it clears the score), else the saved score. Only leaves count; an exercise's score is the sum of its
 * questions.
 */
export function liveTotal(rows: Question[], saved: Record<string, Score | undefined>, inputs: Record<string, ScoreInput | undefined>): number {
  let total = 0;
  for (const q of rows) {
    if (!q.isLeaf) continue;
    const typed = inputs[q.id];
    const parsed = typed ? parsePoints(typed.points) : null;
    if (parsed && parsed.ok) total += parsed.value === null ? 0 : clampPoints(parsed.value, q.maxPoints);
    else if (saved[q.id]) total += saved[q.id]!.points;
  }
  return total;
}

/** Sum of the leaves under a node (for exercise rows). */
export function subtotal(rows: Question[], id: string, value: (leafId: string) => number): number {
  const kids = rows.filter((q) => q.parentId === id);
  return kids.reduce((s, q) => s + (q.isLeaf ? value(q.id) : subtotal(rows, q.id, value)), 0);
}

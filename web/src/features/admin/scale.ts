/** The grading-scale builder's model: exercises → questions → points typed with decimals, sent as hundredths. */
import type { Question, QuestionInput } from '@korrigo/contracts';
import { parsePoints } from '../../lib/points';
import { formatPoints } from '../../lib/points';

export interface ScaleQuestion {
  id?: string;
  label: string;
  points: string;
}
export interface ScaleExercise {
  id?: string;
  label: string;
  /** used when the exercise has no questions (it is then a gradable leaf itself) */
  points: string;
  questions: ScaleQuestion[];
}

export const newExercise = (n: number): ScaleExercise => ({ label: `Exercise ${n}`, points: '', questions: [{ label: `Q${n}.1`, points: '' }] });

export type ScaleResult = { ok: true; questions: QuestionInput[]; total: number } | { ok: false; errors: string[] };

/** Validates and converts to the API's QuestionInput tree; every leaf needs a positive number of points. */
export function toQuestionInputs(exercises: ScaleExercise[]): ScaleResult {
  const errors: string[] = [];
  let total = 0;
  const leaf = (label: string, text: string, where: string) => {
    const p = parsePoints(text);
    if (!label.trim()) errors.push(`${where}: label`);
    if (!p.ok || p.value === null || p.value <= 0) {
      errors.push(`${where}: points`);
      return 0;
    }
    total += p.value;
    return p.value;
  };
  const questions = exercises.map((ex, i): QuestionInput => {
    const where = ex.label || `#${i + 1}`;
    if (ex.questions.length === 0) return { ...(ex.id ? { id: ex.id } : {}), label: ex.label.trim(), maxPoints: leaf(ex.label, ex.points, where) };
    if (!ex.label.trim()) errors.push(`${where}: label`);
    return {
      ...(ex.id ? { id: ex.id } : {}),
      label: ex.label.trim(),
      children: ex.questions.map((q, j) => ({ ...(q.id ? { id: q.id } : {}), label: q.label.trim(), maxPoints: leaf(q.label, q.points, `${where} / ${q.label || `#${j + 1}`}`) })),
    };
  });
  return errors.length ? { ok: false, errors } : { ok: true, questions, total };
}

/** Back from the exam's flat question list (ids kept, so PATCH keeps them stable). Deeper levels are flattened. */
export function fromQuestions(questions: Question[], lang: 'fr' | 'en' = 'en'): ScaleExercise[] {
  const sorted = [...questions].sort((a, b) => a.position - b.position);
  const roots = sorted.filter((q) => !q.parentId);
  const leavesUnder = (id: string): Question[] =>
    sorted.filter((q) => q.parentId === id).flatMap((q) => (q.isLeaf ? [q] : leavesUnder(q.id)));
  return roots.map((r) => ({
    id: r.id,
    label: r.label,
    points: r.isLeaf ? formatPoints(r.maxPoints, lang) : '',
    questions: r.isLeaf ? [] : leavesUnder(r.id).map((q) => ({ id: q.id, label: q.label, points: formatPoints(q.maxPoints, lang) })),
  }));
}

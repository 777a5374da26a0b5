/** The grading scale as the desk shows it, and the live total. Pure functions, tested. */
import type { Question, Score } from '@korrigo/contracts';
import { clampPoints, formatPoints, parsePoints } from '../../lib/points';
import type { PendingScore, Want } from './score-sync';

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

/** What confirming a field does: refuse it (invalid points) or queue a write, clamped to the max. */
export type CommitPlan = { kind: 'invalid' } | { kind: 'write'; want: Want; clamped: boolean; commentAlone: boolean };

export function planCommit(input: ScoreInput, maxPoints: number): CommitPlan {
  const parsed = parsePoints(input.points);
  if (!parsed.ok) return { kind: 'invalid' };
  // an emptied field clears the score; a comment alone cannot be saved (a score needs points)
  if (parsed.value === null) return { kind: 'write', want: null, clamped: false, commentAlone: !!input.comment.trim() };
  const points = clampPoints(parsed.value, maxPoints);
  return { kind: 'write', want: { points, comment: input.comment }, clamped: points !== parsed.value, commentAlone: false };
}

/** The fields showing a score (or none). */
export const inputOf = (s: Want | Score | null | undefined, lang: 'fr' | 'en'): ScoreInput => ({
  points: s ? formatPoints(s.points, lang) : '',
  comment: s?.comment ?? '',
});

/** The field shows exactly the saved score, whatever decimal separator was typed ("2,5" or "2.5"). */
export function showsSaved(input: ScoreInput | undefined, saved: Score | undefined): boolean {
  if (!input || !saved) return false;
  const p = parsePoints(input.points);
  return p.ok && p.value === saved.points && input.comment === (saved.comment ?? '');
}

/**
 * A draft's typed fields as writes to replay (score-sync restore), each with the version it was based on; a field
 * whose points do not parse comes back as typed only.
 */
export function pendingFromDraft(
  entries: Record<string, { points: string; comment: string; base: number }>,
  leaves: Question[],
): { pending: PendingScore[]; typedOnly: string[] } {
  const pending: PendingScore[] = [];
  const typedOnly: string[] = [];
  for (const [qid, e] of Object.entries(entries)) {
    const q = leaves.find((l) => l.id === qid);
    if (!q) continue;
    const plan = planCommit(e, q.maxPoints);
    if (plan.kind === 'invalid') typedOnly.push(qid);
    else pending.push({ qid, want: plan.want, base: e.base });
  }
  return { pending, typedOnly };
}

/** A leaf's live value in hundredths: what is typed when it parses (clamped; empty counts 0), else the saved score. */
function leafValue(q: Question, saved: Score | undefined, typed: ScoreInput | undefined): number {
  const parsed = typed ? parsePoints(typed.points) : null;
  if (parsed && parsed.ok) return parsed.value === null ? 0 : clampPoints(parsed.value, q.maxPoints);
  return saved?.points ?? 0;
}

/**
 * Live total in hundredths: what is typed when it parses (clamped to the max, as it will be saved; an emptied field
 * counts 0, as it clears the score), else the saved score. Only leaves count; an exercise's score is the sum of its
 * questions.
 */
export function liveTotal(rows: Question[], saved: Record<string, Score | undefined>, inputs: Record<string, ScoreInput | undefined>): number {
  return rows.reduce((t, q) => (q.isLeaf ? t + leafValue(q, saved[q.id], inputs[q.id]) : t), 0);
}

/** Live subtotal of every exercise (non-leaf row), by id. */
export function liveSubtotals(rows: Question[], saved: Record<string, Score | undefined>, inputs: Record<string, ScoreInput | undefined>) {
  const byId = new Map(rows.map((q) => [q.id, q]));
  const value = (id: string) => leafValue(byId.get(id)!, saved[id], inputs[id]);
  return Object.fromEntries(rows.filter((q) => !q.isLeaf).map((q) => [q.id, subtotal(rows, q.id, value)]));
}

/** Sum of the leaves under a node (for exercise rows). */
export function subtotal(rows: Question[], id: string, value: (leafId: string) => number): number {
  const kids = rows.filter((q) => q.parentId === id);
  return kids.reduce((s, q) => s + (q.isLeaf ? value(q.id) : subtotal(rows, q.id, value)), 0);
}

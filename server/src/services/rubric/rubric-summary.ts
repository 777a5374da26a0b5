/**
 * What the student reads of the rubric items applied on their copy (issue 13 §2): on the final PDF's summary and
 * on the portal, each question lists its applied items — label, points, comment — as they were applied.
 */
import type { Executor } from '../../db/database.ts';
import { applicationsOf } from '../../repositories/rubric.repository.ts';

export interface AppliedForStudent {
  label: string;
  comment: string;
  points: number;
  kind: 'DELTA' | 'ABSOLUTE';
}

export async function appliedByQuestion(ex: Executor, copyId: string): Promise<Map<string, AppliedForStudent[]>> {
  const out = new Map<string, AppliedForStudent[]>();
  for (const a of await applicationsOf(ex, copyId)) {
    out.set(a.question_id, [...(out.get(a.question_id) ?? []), { label: a.label, comment: a.comment, points: a.points, kind: a.kind }]);
  }
  return out;
}

/** Hundredths as the document writes them: "+1,5" / "-2" (a delta), "3" (an absolute value). */
export function formatItemPoints(i: Pick<AppliedForStudent, 'points' | 'kind'>, decimal: ',' | '.' = '.') {
  const abs = (Math.abs(i.points) / 100).toFixed(2).replace(/\.?0+$/, '').replace('.', decimal);
  if (i.kind === 'ABSOLUTE') return abs;
  return `${i.points < 0 ? '-' : '+'}${abs}`;
}

/** The question's comment followed by one line per applied item ("- label (-1): comment"). */
export function commentWithItems(comment: string | null, items: ReadonlyArray<AppliedForStudent> | undefined, decimal: ',' | '.' = '.') {
  if (!items?.length) return comment;
  const lines = items.map((i) => `- ${i.label} (${formatItemPoints(i, decimal)})${i.comment ? `: ${i.comment}` : ''}`);
  return [...(comment ? [comment] : []), ...lines].join('\n');
}

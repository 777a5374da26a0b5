/** Dispatch by question as the Correctors tab edits it: per question, who takes it and up to how many copies. Pure, tested. */
import type { QuestionAssignments } from '../grading/rubric/rubric-types';

/** questionId → userId → quota text ('' = no quota); a corrector absent from a question's map does not take it. */
export type AssignmentDraft = Record<string, Record<string, string>>;

export function draftOf(list: QuestionAssignments[]): AssignmentDraft {
  const out: AssignmentDraft = {};
  for (const q of list) out[q.questionId] = Object.fromEntries(q.assignments.map((a) => [a.user.id, a.quota === null ? '' : String(a.quota)]));
  return out;
}

/** The body of PUT …/questions/:questionId/correctors, or the reason it cannot be sent. */
export function assignmentsBody(d: Record<string, string> | undefined): { ok: true; assignments: { userId: string; quota: number | null }[] } | { ok: false; userId: string } {
  const assignments: { userId: string; quota: number | null }[] = [];
  for (const [userId, text] of Object.entries(d ?? {})) {
    const s = text.trim();
    if (s === '') {
      assignments.push({ userId, quota: null });
      continue;
    }
    if (!/^\d+$/.test(s) || Number(s) < 1) return { ok: false, userId };
    assignments.push({ userId, quota: Number(s) });
  }
  return { ok: true, assignments };
}

/** Questions whose draft differs from what the server holds. */
export function changedQuestions(d: AssignmentDraft, saved: AssignmentDraft): string[] {
  const ids = new Set([...Object.keys(d), ...Object.keys(saved)]);
  const same = (a: Record<string, string> = {}, b: Record<string, string> = {}) =>
    Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] !== undefined && b[k].trim() === v.trim());
  return [...ids].filter((id) => !same(d[id], saved[id]));
}

/**
 * The rubric routes' answers (their types from contracts/src/rubric.schema.ts) → the desk's rubric shapes
 * (rubric-types.ts). Pure and typed: a field renamed in the contracts no longer compiles here.
 */
import type {
  ExamProgress as ExamProgressDto,
  QuestionCorrectorsList,
  QuestionRubricState,
  QuestionSettings as QuestionSettingsDto,
  RubricCopyChange,
  RubricEditEffect,
  RubricItem as RubricItemDto,
} from '@korrigo/contracts';
import type { Applied, ExamProgress, ItemPreview, PreviewCopy, QuestionAssignments, QuestionSettings, RubricItem, RubricState } from './rubric-types';

export function normItem(i: RubricItemDto): RubricItem {
  return {
    id: i.id,
    questionId: i.questionId,
    label: i.label,
    comment: i.comment,
    points: i.points,
    kind: i.kind,
    group: i.group || null,
    order: i.order,
    version: i.version,
    usage: i.usage,
    retired: !!i.retiredAt,
  };
}

/** A PUT's answer or one entry of a copy's rubric list; `version` is the question's score version (0: none yet). */
export function normState(s: QuestionRubricState): RubricState {
  const applied = s.applied.map((a): Applied =>
    a.pagePosition !== null && a.x !== null && a.y !== null ? { itemId: a.itemId, pagePosition: a.pagePosition, x: a.x, y: a.y } : { itemId: a.itemId },
  );
  const badgeIds = new Set<string>();
  for (const a of s.applied) if (a.annotationId) badgeIds.add(a.annotationId);
  for (const b of s.badges) badgeIds.add(b.id);
  return {
    questionId: s.questionId,
    version: s.score?.version ?? 0,
    applied,
    adjustment: s.adjustment === 0 ? null : s.adjustment,
    points: s.score?.points ?? null,
    badgeIds: [...badgeIds],
  };
}

/** The rubric applications of a copy (GET /copies/:id/rubric), by question. */
export function rubricOfCopy(r: { questions: QuestionRubricState[] }): Record<string, RubricState> {
  const out: Record<string, RubricState> = {};
  for (const q of r.questions) out[q.questionId] = normState(q);
  return out;
}

function normPreviewCopy(c: RubricCopyChange): PreviewCopy {
  return {
    copyId: c.copyId,
    label: c.anonymousCode || c.copyId.slice(0, 8),
    status: c.status,
    before: { question: c.before.points, total: c.before.total },
    after: { question: c.after.points, total: c.after.total },
  };
}

export function normPreview(e: RubricEditEffect): ItemPreview {
  const { before, after } = e.histogram;
  const width = before.binWidth;
  const labels = before.bins.map((_, i) => `${(i * width) / 100}–${((i + 1) * width) / 100}`);
  return {
    copies: e.copies.map(normPreviewCopy),
    toReopen: e.graded.map(normPreviewCopy),
    histogram: { before: before.bins, after: after.bins, bucketLabels: labels },
  };
}

/** Every leaf question's scoring mode and region (GET /exams/:id/rubric-items → `questions`), by question. */
export function normSettings(r: { questions: QuestionSettingsDto[] }): Record<string, QuestionSettings> {
  const out: Record<string, QuestionSettings> = {};
  for (const q of r.questions) out[q.questionId] = { questionId: q.questionId, scoringMode: q.mode, region: q.region };
  return out;
}

export function normProgress(p: ExamProgressDto): ExamProgress {
  return {
    questions: p.questions.map((q) => ({
      questionId: q.questionId,
      label: q.label,
      scored: q.scored,
      total: q.copies,
      byCorrector: q.byCorrector.map((c) => ({ user: c.user, scored: c.scored, quota: c.quota, assigned: c.assigned })),
    })),
    correctors: p.correctors.map((c) => ({ user: c.user, scored: c.scored })),
    complete: p.complete,
  };
}

export function normAssignments(l: QuestionCorrectorsList): QuestionAssignments[] {
  return l.questions.map((q) => ({ questionId: q.questionId, assignments: q.assignments.map((a) => ({ user: a.user, quota: a.quota })) }));
}

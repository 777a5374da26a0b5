/**
 * The students' portal: a student's own results on released exams. A GRADED copy shows its current result; a
 * copy reopened after the release (a regrade) keeps showing the result the student had, marked "under review",
 * until it is GRADED again — then the new result and what changed. Totals come from `computeTotal`.
 */
import type { AppContext, Actor } from '../context.ts';
import type { Executor } from '../db/database.ts';
import type { Copy } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import { findCopyWithExam } from '../repositories/copy.repository.ts';
import { listQuestions } from '../repositories/exam.repository.ts';
import { listScores, listUnscoredMarks } from '../repositories/score.repository.ts';
import { findStudentByUser } from '../repositories/student.repository.ts';
import { isStudentOfUser, releasedCopiesOf } from '../repositories/portal.repository.ts';
import { listRegradesOfCopies } from '../repositories/regrade.repository.ts';
import { latestReviewOf, latestReviews, type CopyReviewRow } from '../repositories/review.repository.ts';
import { requireRole } from './access.ts';
import { appliedByQuestion, type AppliedForStudent } from './rubric/rubric-summary.ts';
import { computeMaxTotal, computeTotal, leafQuestions, questionResults } from './total.ts';
import { regradeDto } from './regrade.service.ts';
import { notScoredBefore, scoresBefore, studentView, type ReviewedScore } from './review.service.ts';

type Question = Awaited<ReturnType<typeof listQuestions>>[number];

/**
 * The result as the student sees it: the total, per question of the scale its points (leaves their score, 0 if
 * none; exercises the subtotal of their scored leaves) and whether it was left "not scored", and the labels of
 * the leaves left "not scored" (the total is over the others).
 */
function resultOf(
  questions: Question[],
  scores: ReviewedScore[],
  notScoredIds: Iterable<string>,
  rubric: ReadonlyMap<string, AppliedForStudent[]> = new Map(),
) {
  const leaves = leafQuestions(questions);
  const leafIds = new Set(leaves.map((q) => q.id));
  const byQuestion = new Map(scores.map((s) => [s.question_id, s]));
  const marked = new Set([...notScoredIds].filter((id) => leafIds.has(id)));
  const results = questionResults(questions, scores, marked);
  return {
    total: computeTotal(scores, leafIds),
    questions: questions.map((q) => {
      const r = results.get(q.id);
      return {
        id: q.id,
        parentId: q.parent_id,
        label: q.label,
        maxPoints: q.max_points,
        isLeaf: leafIds.has(q.id),
        points: r?.points ?? 0,
        notScored: !!r && r.notScored === r.leaves,
        comment: byQuestion.get(q.id)?.comment ?? null,
        /** the rubric items applied on the question, as applied (issue 13) */
        rubric: (rubric.get(q.id) ?? []).map((i) => ({ label: i.label, comment: i.comment, points: i.points, kind: i.kind })),
      };
    }),
    notScored: leaves.filter((q) => marked.has(q.id)).map((q) => q.label),
  };
}

/** Whether students may still ask for a regrade on this exam (no deadline, or not passed). */
export const regradeWindowOpen = (deadline: string | null, now: Date) => deadline === null || now.getTime() <= new Date(deadline).getTime();

export async function myCopies(ctx: AppContext, actor: Actor) {
  requireRole(actor, 'STUDENT');
  const student = await findStudentByUser(ctx.db, actor.id);
  if (!student) return { items: [] };
  const all = await releasedCopiesOf(ctx.db, student.id);
  const reviews = await latestReviews(ctx.db, all.map((c) => c.id));
  const copies = all.filter((c) => studentView(c, reviews.get(c.id) ?? null) !== null);
  const requests = await listRegradesOfCopies(ctx.db, copies.map((c) => c.id));
  const now = ctx.clock.now();
  const items = await Promise.all(
    copies.map(async (c) => {
      const [questions, scores, marks, rubric] = await Promise.all([
        listQuestions(ctx.db, c.exam_id),
        listScores(ctx.db, c.id),
        listUnscoredMarks(ctx.db, c.id),
        appliedByQuestion(ctx.db, c.id),
      ]);
      const current = marks.map((m) => m.question_id);
      const latest = reviews.get(c.id) ?? null;
      const underReview = studentView(c, latest) === 'UNDER_REVIEW';
      // under review: the released result, with the questions it left "not scored" (the current ones for a
      // review written before its snapshot kept them)
      const shown = underReview ? resultOf(questions, scoresBefore(latest!), notScoredBefore(latest!) ?? current) : resultOf(questions, scores, current, rubric);
      return {
        id: c.id,
        exam: { id: c.exam_id, title: c.title, examDate: c.exam_date },
        // the result shown is a graded one, also while it is being reviewed
        status: 'GRADED' as const,
        total: shown.total,
        maxTotal: computeMaxTotal(questions),
        gradedAt: underReview ? latest!.previous_graded_at : c.graded_at,
        releasedAt: c.results_released_at!,
        finalPdfUrl: `/api/v1/copies/${c.id}/final.pdf`,
        questions: shown.questions,
        notScored: shown.notScored,
        review: latest && latest.released === 1 ? reviewOf(latest, underReview, questions, shown, current) : null,
        regradeDeadline: c.regrade_deadline,
        canRequestRegrade: !underReview && regradeWindowOpen(c.regrade_deadline, now),
        regradeRequests: requests.filter((r) => r.copy_id === c.id).map((r) => regradeDto(r, false)),
      };
    }),
  );
  return { items };
}

/** The review's state for the student; once reviewed, every question (and the total) whose points changed. */
function reviewOf(
  latest: CopyReviewRow,
  underReview: boolean,
  questions: Question[],
  now: ReturnType<typeof resultOf>,
  currentNotScored: string[],
) {
  if (underReview) return { status: 'UNDER_REVIEW' as const, reopenedAt: latest.reopened_at, previousTotal: now.total, changes: [] };
  const before = resultOf(questions, scoresBefore(latest), notScoredBefore(latest) ?? currentNotScored);
  const beforeOf = new Map(before.questions.map((q) => [q.id, q.points]));
  return {
    status: 'REVIEWED' as const,
    reopenedAt: latest.reopened_at,
    previousTotal: before.total,
    changes: now.questions
      .filter((q) => beforeOf.get(q.id) !== q.points)
      .map((q) => ({ questionId: q.id, label: q.label, before: beforeOf.get(q.id) ?? 0, after: q.points })),
  };
}

/**
 * A student's own copy as the portal shows it (the same rule as `myCopies`), or 404 — never a hint that a
 * copy exists. `view` says whether they see the current result or the one under review.
 */
export async function loadStudentResult(ex: Executor, actor: Actor, copyId: string) {
  const found = await findCopyWithExam(ex, copyId, actor.id);
  if (!found || !found.copy.student_id || !found.exam.results_released_at) throw notFound('Copy');
  if (!(await isStudentOfUser(ex, found.copy.student_id, actor.id))) throw notFound('Copy');
  const latest = found.copy.status === 'GRADED' ? null : await latestReviewOf(ex, copyId);
  const view = studentView(found.copy, latest);
  if (!view) throw notFound('Copy');
  return { copy: found.copy as Copy, exam: found.exam, view, review: latest };
}

/** The final PDF a student is shown: the current one, or the one they had while the copy is under review. */
export async function studentPdfBlobId(ex: Executor, actor: Actor, copyId: string) {
  const r = await loadStudentResult(ex, actor, copyId);
  return { blobId: r.view === 'UNDER_REVIEW' ? r.review!.previous_blob_id : r.copy.final_blob_id, code: r.copy.anonymous_code };
}

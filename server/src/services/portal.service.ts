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
import { listScores } from '../repositories/score.repository.ts';
import { findStudentByUser } from '../repositories/student.repository.ts';
import { isStudentOfUser, releasedCopiesOf } from '../repositories/portal.repository.ts';
import { listRegradesOfCopies } from '../repositories/regrade.repository.ts';
import { latestReviewOf, latestReviews, type CopyReviewRow } from '../repositories/review.repository.ts';
import { requireRole } from './access.ts';
import { computeMaxTotal, computeTotal, leafQuestions } from './total.ts';
import { regradeDto } from './regrade.service.ts';
import { scoresBefore, studentView, type ReviewedScore } from './review.service.ts';

type Question = Awaited<ReturnType<typeof listQuestions>>[number];

/** Points per question of the scale: leaves their score (0 if none), exercises the sum of their questions. */
function pointsPerQuestion(questions: Question[], scores: ReviewedScore[]) {
  const leafIds = new Set(leafQuestions(questions).map((q) => q.id));
  const byQuestion = new Map(scores.map((s) => [s.question_id, s]));
  const pointsOf = (id: string): number =>
    leafIds.has(id) ? (byQuestion.get(id)?.points ?? 0) : questions.filter((q) => q.parent_id === id).reduce((s, q) => s + pointsOf(q.id), 0);
  return {
    total: computeTotal(scores, leafIds),
    questions: questions.map((q) => ({
      id: q.id,
      parentId: q.parent_id,
      label: q.label,
      maxPoints: q.max_points,
      isLeaf: leafIds.has(q.id),
      points: pointsOf(q.id),
      comment: byQuestion.get(q.id)?.comment ?? null,
    })),
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
      const [questions, scores] = await Promise.all([listQuestions(ctx.db, c.exam_id), listScores(ctx.db, c.id)]);
      const latest = reviews.get(c.id) ?? null;
      const underReview = studentView(c, latest) === 'UNDER_REVIEW';
      const shown = pointsPerQuestion(questions, underReview ? scoresBefore(latest!) : scores);
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
        review: latest && latest.released === 1 ? reviewOf(latest, underReview, questions, shown) : null,
        regradeDeadline: c.regrade_deadline,
        canRequestRegrade: !underReview && regradeWindowOpen(c.regrade_deadline, now),
        regradeRequests: requests.filter((r) => r.copy_id === c.id).map((r) => regradeDto(r, false)),
      };
    }),
  );
  return { items };
}

/** The review's state for the student; once reviewed, every question (and the total) whose points changed. */
function reviewOf(latest: CopyReviewRow, underReview: boolean, questions: Question[], now: ReturnType<typeof pointsPerQuestion>) {
  if (underReview) return { status: 'UNDER_REVIEW' as const, reopenedAt: latest.reopened_at, previousTotal: now.total, changes: [] };
  const before = pointsPerQuestion(questions, scoresBefore(latest));
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

/**
 * Regrade requests. A student asks, about one question of their released GRADED copy, before the exam's
 * deadline. The request goes to the copy's corrector: its assignee, or — for a copy graded from the shared pool —
 * the teacher who last submitted or finalized it, who then becomes its assignee (it is their mark to review).
 * The corrector (or an admin) accepts — the copy reopens to them through the state machine, its released result
 * kept for the student (review.service) — or rejects with a reason. An admin can hand a request (with its copy)
 * to another corrector of the exam. Every step writes its grading event in the same transaction.
 */
import type { AppContext, Actor } from '../context.ts';
import type { Executor } from '../db/database.ts';
import type { Copy } from '../db/schema.ts';
import { AppError, forbidden, invalidState, notFound, validation } from '../errors.ts';
import { newId } from '../ids.ts';
import { updateCopyFields } from '../repositories/copy.repository.ts';
import { setAssigneeIfFree } from '../repositories/dispatch.repository.ts';
import { listQuestions } from '../repositories/exam.repository.ts';
import { insertEvent } from '../repositories/event.repository.ts';
import { findLease } from '../repositories/lock.repository.ts';
import { latestReviewOf } from '../repositories/review.repository.ts';
import { findUserById } from '../repositories/user.repository.ts';
import * as regrades from '../repositories/regrade.repository.ts';
import { loadCopyFor, loadCopyToManage, loadExamAccess, loadExamToManage, mayKnowStudent, requireRole } from './access.ts';
import { audit } from './audit.service.ts';
import { isUniqueViolation } from './auth.service.ts';
import { loadStudentResult, regradeWindowOpen } from './portal.service.ts';
import { reopenWithReview } from './review.service.ts';
import { regradeDto } from './regrade.dto.ts';

const deadlinePassed = (deadline: string) =>
  new AppError('REGRADE_DEADLINE_PASSED', 409, `Regrade requests for this exam closed on ${deadline}`, { deadline });

/** Routes a new request: keeps a valid assignee, else gives the copy to whoever graded it (null: the admins'). */
async function routeToCorrector(tx: Executor, copy: Copy, actorId: string, now: string) {
  if (copy.assigned_to && (await regrades.isActiveCorrector(tx, copy.exam_id, copy.assigned_to))) return copy.assigned_to;
  const grader = await regrades.lastGraderOf(tx, copy.id, copy.exam_id);
  if (!grader || grader === copy.assigned_to) return null;
  await updateCopyFields(tx, copy.id, { assigned_to: grader, updated_at: now });
  await insertEvent(tx, { copyId: copy.id, action: 'ASSIGNED', actorId, at: now, metadata: { from: copy.assigned_to, to: grader, via: 'regrade' } });
  return grader;
}

export async function createRegrade(ctx: AppContext, actor: Actor, copyId: string, input: { questionId: string; message: string }) {
  requireRole(actor, 'STUDENT');
  const now = ctx.clock.now();
  const at = now.toISOString();
  const id = newId();
  try {
    await ctx.db.transaction().execute(async (tx) => {
      // 404 unless it is this student's own copy of a released exam
      const { copy, exam, view } = await loadStudentResult(tx, actor, copyId);
      if (view === 'UNDER_REVIEW') throw invalidState(copy.status, 'This copy is being reviewed: wait for its new result');
      if (!regradeWindowOpen(exam.regrade_deadline, now)) throw deadlinePassed(exam.regrade_deadline!);
      const questions = await listQuestions(tx, copy.exam_id);
      if (!questions.some((q) => q.id === input.questionId)) throw validation('This question is not part of the exam', { field: 'questionId' });
      await regrades.insertRegrade(tx, {
        id,
        copy_id: copyId,
        question_id: input.questionId,
        requested_by: actor.id,
        message: input.message,
        status: 'OPEN',
        decision: null,
        answer: null,
        answered_by: null,
        answered_at: null,
        created_at: at,
      });
      const corrector = await routeToCorrector(tx, copy, actor.id, at);
      await insertEvent(tx, { copyId, action: 'REGRADE_REQUESTED', actorId: actor.id, at, metadata: { requestId: id, questionId: input.questionId, corrector } });
    });
  } catch (err) {
    // the partial unique index regrade_requests_one_open is the guard (a double click included)
    if (isUniqueViolation(err)) throw new AppError('CONFLICT', 409, 'You already have an open request on this question: wait for the answer');
    throw err;
  }
  return regradeDto((await regrades.findRegradeDetailed(ctx.db, id))!, false);
}

/** Admins and the exam's owner see every request of the exam; a corrector those of the copies they correct. */
export async function listExamRegrades(ctx: AppContext, actor: Actor, examId: string, q: { status?: 'OPEN' | 'ANSWERED' }) {
  requireRole(actor, 'ADMIN', 'TEACHER');
  const { exam, access } = await loadExamAccess(ctx.db, actor, examId);
  const rows = await regrades.listRegradesOfExam(ctx.db, { examId, status: q.status, correctorId: access === 'manager' ? undefined : actor.id });
  const show = mayKnowStudent(actor, exam, access);
  return { items: rows.map((r) => regradeDto(r, show)), regradeDeadline: exam.regrade_deadline };
}

/**
 * The requests of one copy, for the desk: the student's messages beside the copy, and the review in progress
 * (requests accepted since `review.reopenedAt` are the ones the corrector is regrading).
 */
export async function listCopyRegrades(ctx: AppContext, actor: Actor, copyId: string) {
  requireRole(actor, 'ADMIN', 'TEACHER');
  const { copy, exam } = await loadCopyFor(ctx.db, actor, copyId);
  const [rows, latest] = await Promise.all([regrades.listRegradesOfCopies(ctx.db, [copyId]), latestReviewOf(ctx.db, copyId)]);
  const show = mayKnowStudent(actor, exam);
  return {
    items: rows.map((r) => regradeDto(r, show)),
    review: latest && copy.status !== 'GRADED' ? { reopenedAt: latest.reopened_at, previousTotal: latest.previous_score } : null,
  };
}

/** A teacher answers only requests on copies assigned to them; everyone else of the exam is refused. */
function requireCopyCorrector(actor: Actor, access: string, copy: Copy) {
  if (access === 'admin') return;
  if (copy.assigned_to !== actor.id) throw forbidden("Only the copy's corrector (or an admin) can answer this request");
}

export async function answerRegrade(
  ctx: AppContext,
  actor: Actor,
  requestId: string,
  input: { message: string; decision?: 'ACCEPTED' | 'REJECTED'; reopen?: boolean },
) {
  requireRole(actor, 'ADMIN', 'TEACHER');
  // `reopen` is the first version of the contract: reopen = accept
  if (input.decision && input.reopen !== undefined && (input.decision === 'ACCEPTED') !== input.reopen) {
    throw validation('`decision` and `reopen` disagree: send `decision` only', { field: 'decision' });
  }
  const decision = input.decision ?? (input.reopen ? 'ACCEPTED' : 'REJECTED');
  const now = ctx.clock.now().toISOString();
  const { copyStatus, showStudent } = await ctx.db.transaction().execute(async (tx) => {
    const request = await regrades.findRegrade(tx, requestId);
    if (!request) throw notFound('Regrade request');
    // teachers who cannot see the copy (another exam, another corrector's copy) get 404
    const { copy, exam, access } = await loadCopyFor(tx, actor, request.copy_id, 'update');
    if (access === 'student') throw notFound('Regrade request');
    requireCopyCorrector(actor, access, copy);
    const answered = await regrades.answerIfOpen(tx, requestId, { answer: input.message, decision, by: actor.id, at: now });
    if (!answered) throw new AppError('CONFLICT', 409, 'This request was already answered', { current: { status: request.status, decision: request.decision, answer: request.answer } });
    let status = copy.status;
    let reopened = false;
    if (decision === 'ACCEPTED') {
      if (copy.status === 'GRADED') {
        status = (await reopenWithReview(tx, copy, exam, { actorId: actor.id, now, metadata: { regradeRequestId: requestId } })).status;
        reopened = true;
      } else if (copy.status !== 'READY') {
        // being submitted or finalized: accepting now would not be part of the regrade; the answer rolls back
        throw invalidState(copy.status, 'The copy is being finalized: answer once it is graded again');
      }
      // READY: already reopened for another request — this one joins the review in progress
    }
    await insertEvent(tx, { copyId: copy.id, action: 'REGRADE_ANSWERED', actorId: actor.id, at: now, metadata: { requestId, decision, reopened } });
    return { copyStatus: status, showStudent: mayKnowStudent(actor, exam) };
  });
  return { regradeRequest: regradeDto((await regrades.findRegradeDetailed(ctx.db, requestId))!, showStudent), copyStatus };
}

/**
 * Admin: hands an open request to another active corrector of the exam. The copy goes with it, and so do its
 * other open requests: one corrector reviews one copy. Refused while someone else holds the copy's edit lease.
 */
export async function reassignRegrade(ctx: AppContext, actor: Actor, requestId: string, userId: string) {
  requireRole(actor, 'ADMIN', 'TEACHER');
  const now = ctx.clock.now().toISOString();
  await ctx.db.transaction().execute(async (tx) => {
    const request = await regrades.findRegrade(tx, requestId);
    if (!request) throw notFound('Regrade request');
    const { copy } = await loadCopyToManage(tx, actor, request.copy_id, 'update');
    if (request.status !== 'OPEN') throw new AppError('CONFLICT', 409, 'This request was already answered', { current: { status: request.status, decision: request.decision } });
    if (!(await regrades.isActiveCorrector(tx, copy.exam_id, userId))) {
      throw validation('This user is not an active corrector of the exam: add them as a corrector first', { field: 'userId' });
    }
    if (copy.assigned_to !== userId) {
      const moved = await setAssigneeIfFree(tx, copy.id, copy.assigned_to, userId, now);
      if (!moved) {
        const lease = await findLease(tx, copy.id);
        throw new AppError('LOCKED_BY_OTHER', 409, `${lease?.owner_name ?? 'Someone'} is working on this copy right now: wait for them or break their lease first`, {
          owner: lease ? { id: lease.owner_id, displayName: lease.owner_name } : null,
          expiresAt: lease?.expires_at ?? null,
        });
      }
    }
    const requestIds = await regrades.openRequestIdsOfCopy(tx, copy.id);
    await insertEvent(tx, { copyId: copy.id, action: 'REGRADE_REASSIGNED', actorId: actor.id, at: now, metadata: { requestId, requestIds, from: copy.assigned_to, to: userId } });
  });
  const user = await findUserById(ctx.db, userId);
  return { regradeRequest: regradeDto((await regrades.findRegradeDetailed(ctx.db, requestId))!, true), corrector: { id: userId, displayName: user?.display_name ?? '' } };
}

/** Admin or the exam's owner: the date after which students can no longer ask (null: no deadline). */
export async function setDeadline(ctx: AppContext, actor: Actor, examId: string, deadline: string | null) {
  const now = ctx.clock.now().toISOString();
  return ctx.db.transaction().execute(async (tx) => {
    await loadExamToManage(tx, actor, examId);
    const row = await regrades.setRegradeDeadline(tx, examId, deadline && new Date(deadline).toISOString(), now);
    if (!row) throw notFound('Exam');
    await audit(tx, actor, 'REGRADE_DEADLINE_SET', 'exam', examId, { deadline: row.regrade_deadline }, now);
    return { examId, regradeDeadline: row.regrade_deadline };
  });
}

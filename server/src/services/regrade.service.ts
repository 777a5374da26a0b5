/**
 * Regrade requests: a student asks, about one question of their released GRADED copy; the corrector of the copy
 * (or an admin) answers, and may reopen the copy — through the state machine, in the answer's transaction, so
 * the answer and the reopening are recorded together or not at all.
 */
import type { AppContext, Actor } from '../context.ts';
import { AppError, notFound, validation } from '../errors.ts';
import { newId } from '../ids.ts';
import { listQuestions } from '../repositories/exam.repository.ts';
import { insertEvent } from '../repositories/event.repository.ts';
import * as regrades from '../repositories/regrade.repository.ts';
import { loadCopyFor, loadExamFor, mayKnowStudent, requireRole } from './access.ts';
import { isUniqueViolation } from './auth.service.ts';
import { transition } from './copy-state-machine.ts';

export function regradeDto(r: regrades.RegradeRow, showStudent: boolean) {
  return {
    id: r.id,
    copyId: r.copy_id,
    anonymousCode: r.anonymous_code,
    question: { id: r.question_id, label: r.question_label },
    message: r.message,
    status: r.status,
    answer: r.answer,
    answeredBy: r.answered_by ? { id: r.answered_by, displayName: r.answerer_name ?? '' } : null,
    answeredAt: r.answered_at,
    createdAt: r.created_at,
    student:
      showStudent && r.student_id && r.student_number
        ? { id: r.student_id, studentNumber: r.student_number, lastName: r.last_name!, firstName: r.first_name!, className: r.class_name }
        : null,
  };
}

export async function createRegrade(ctx: AppContext, actor: Actor, copyId: string, input: { questionId: string; message: string }) {
  requireRole(actor, 'STUDENT');
  const now = ctx.clock.now().toISOString();
  const id = newId();
  try {
    await ctx.db.transaction().execute(async (tx) => {
      // 404 unless it is this student's own GRADED copy of a released exam
      const { copy } = await loadCopyFor(tx, actor, copyId, 'share');
      const questions = await listQuestions(tx, copy.exam_id);
      if (!questions.some((q) => q.id === input.questionId)) throw validation('This question is not part of the exam', { field: 'questionId' });
      await regrades.insertRegrade(tx, {
        id,
        copy_id: copyId,
        question_id: input.questionId,
        requested_by: actor.id,
        message: input.message,
        status: 'OPEN',
        answer: null,
        answered_by: null,
        answered_at: null,
        created_at: now,
      });
      await insertEvent(tx, { copyId, action: 'REGRADE_REQUESTED', actorId: actor.id, at: now, metadata: { requestId: id, questionId: input.questionId } });
    });
  } catch (err) {
    // the partial unique index regrade_requests_one_open is the guard (a double click included)
    if (isUniqueViolation(err)) throw new AppError('CONFLICT', 409, 'You already have an open request on this question: wait for the answer');
    throw err;
  }
  return regradeDto((await regrades.findRegradeDetailed(ctx.db, id))!, false);
}

export async function listExamRegrades(ctx: AppContext, actor: Actor, examId: string, q: { status?: 'OPEN' | 'ANSWERED' }) {
  requireRole(actor, 'ADMIN', 'TEACHER');
  const exam = await loadExamFor(ctx.db, actor, examId);
  const rows = await regrades.listRegradesOfExam(ctx.db, { examId, status: q.status, visibleToTeacher: actor.role === 'TEACHER' ? actor.id : undefined });
  const show = mayKnowStudent(actor, exam);
  return { items: rows.map((r) => regradeDto(r, show)) };
}

export async function answerRegrade(ctx: AppContext, actor: Actor, requestId: string, input: { message: string; reopen?: boolean }) {
  requireRole(actor, 'ADMIN', 'TEACHER');
  const now = ctx.clock.now().toISOString();
  const { copyStatus, showStudent } = await ctx.db.transaction().execute(async (tx) => {
    const request = await regrades.findRegrade(tx, requestId);
    if (!request) throw notFound('Regrade request');
    // teachers: only the corrector of the copy (assigned to them, or to nobody) — others get 404
    const { copy, exam } = await loadCopyFor(tx, actor, request.copy_id, 'update');
    const answered = await regrades.answerIfOpen(tx, requestId, { answer: input.message, by: actor.id, at: now });
    if (!answered) throw new AppError('CONFLICT', 409, 'This request was already answered', { current: { status: request.status, answer: request.answer } });
    let status = copy.status;
    if (input.reopen) {
      // GRADED → READY through the state machine; anything else is 409 INVALID_STATE and the answer rolls back
      const row = await transition(tx, 'reopen', copy.id, {
        actorId: actor.id,
        now,
        metadata: { regradeRequestId: requestId, previousFinalBlobId: copy.final_blob_id, previousFinalScore: copy.final_score },
      });
      status = row.status;
    }
    await insertEvent(tx, { copyId: copy.id, action: 'REGRADE_ANSWERED', actorId: actor.id, at: now, metadata: { requestId, reopened: !!input.reopen } });
    return { copyStatus: status, showStudent: mayKnowStudent(actor, exam) };
  });
  return { regradeRequest: regradeDto((await regrades.findRegradeDetailed(ctx.db, requestId))!, showStudent), copyStatus };
}

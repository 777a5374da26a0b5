/**
 * Question mode (issue 13 §4–6): a question's scoring mode and region, "next copy not yet scored on this
 * question", dispatch of questions to correctors (optional quotas), progress per question and per corrector, and
 * the admin's batch finalize of the copies whose every question is scored.
 */
import type { AppContext, Actor } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { AppError, notFound, validation } from '../../errors.ts';
import * as qm from '../../repositories/question-mode.repository.ts';
import { listQuestions, isCorrector } from '../../repositories/exam.repository.ts';
import { enqueueJob } from '../../jobs/enqueue.ts';
import { transaction } from '../../db/transaction.ts';
import * as locks from '../../repositories/lock.repository.ts';
import * as qlocks from '../../repositories/question-lock.repository.ts';
import { loadExamAccess, loadExamToManage, requireRole } from '../access.ts';
import { leafQuestions } from '../total.ts';
import { transition } from '../copy-state-machine.ts';
import { findCopy } from '../../repositories/copy.repository.ts';
import type { ScoringMode } from './rubric-score.ts';
import { audit } from '../audit.service.ts';

type RegionInput = { pagePosition: number; x: number; y: number; w: number; h: number };
const parseRegion = (r: string | null) => (r ? (JSON.parse(r) as RegionInput) : null);

async function leafOf(ex: Executor, examId: string, questionId: string) {
  const leaf = leafQuestions(await listQuestions(ex, examId)).find((q) => q.id === questionId);
  if (!leaf) throw notFound('Question');
  return (await qm.findQuestion(ex, questionId))!;
}

/** PUT /exams/:id/questions/:questionId/scoring-mode — refused once copies are scored from its items. */
export async function setScoringMode(ctx: AppContext, actor: Actor, examId: string, questionId: string, mode: ScoringMode) {
  return ctx.db.transaction().execute(async (tx) => {
    await loadExamToManage(tx, actor, examId);
    const q = await leafOf(tx, examId, questionId);
    if (q.scoring_mode !== mode) {
      const used = await qm.rubricScoredCount(tx, questionId);
      if (used > 0) {
        throw new AppError('RUBRIC_ITEM_IN_USE', 409, `${used} copies are scored from this question's items: its scoring mode can no longer change`, { usage: used });
      }
      await qm.setScoringMode(tx, questionId, mode);
      await audit(tx, actor, 'QUESTION_SCORING_MODE_SET', 'exam', examId, { questionId, from: q.scoring_mode, to: mode }, ctx.clock.now().toISOString());
    }
    return { questionId, mode, region: parseRegion(q.region) };
  });
}

/** PUT /exams/:id/questions/:questionId/region — where the question is answered (null: the whole copy). */
export async function setRegion(ctx: AppContext, actor: Actor, examId: string, questionId: string, region: RegionInput | null) {
  return ctx.db.transaction().execute(async (tx) => {
    const exam = await loadExamToManage(tx, actor, examId);
    const q = await leafOf(tx, examId, questionId);
    if (region) {
      if (region.x + region.w > 1 + 1e-6 || region.y + region.h > 1 + 1e-6) throw validation('The region goes past the edge of the page');
      if (region.w <= 0 || region.h <= 0) throw validation('The region needs a width and a height');
      if (region.pagePosition >= exam.pages_per_copy) throw validation(`The exam has ${exam.pages_per_copy} pages per copy`);
    }
    await qm.setRegion(tx, questionId, region ? JSON.stringify(region) : null);
    await audit(tx, actor, 'QUESTION_REGION_SET', 'exam', examId, { questionId, region }, ctx.clock.now().toISOString());
    return { questionId, mode: q.scoring_mode, region };
  });
}

/** The questions dispatched to a corrector, and quotas, of one exam. */
async function dispatchOf(ex: Executor, examId: string) {
  const rows = await qm.assignmentsOfExam(ex, examId);
  const byQuestion = new Map<string, typeof rows>();
  for (const r of rows) byQuestion.set(r.question_id, [...(byQuestion.get(r.question_id) ?? []), r]);
  return byQuestion;
}

/**
 * GET /exams/:id/questions/:questionId/next — the next copy (by anonymous code) that is READY, not yet scored
 * nor marked "not scored" on the question, that the caller may grade (whole-copy dispatch: unassigned or theirs,
 * or the question is dispatched to them), that nobody else is editing (whole-copy lease, or a lease on this
 * question), while the caller's quota on the question is not reached. `after`: skip copies up to this one.
 */
export async function nextCopy(ctx: AppContext, actor: Actor, examId: string, questionId: string, after?: string) {
  requireRole(actor, 'ADMIN', 'TEACHER');
  const { access } = await loadExamAccess(ctx.db, actor, examId);
  const q = await leafOf(ctx.db, examId, questionId);
  const now = ctx.clock.now().toISOString();
  const manager = access === 'manager';
  if (!manager && !(await isCorrector(ctx.db, examId, actor.id))) throw notFound('Exam');
  const assigned = (await qm.assignmentsOfQuestion(ctx.db, questionId));
  const mine = assigned.find((a) => a.user_id === actor.id);
  if (!manager && assigned.length && !mine) return null;
  const [copies, scores, marks, leases] = await Promise.all([
    qm.countableCopies(ctx.db, examId),
    qm.scoresOfExam(ctx.db, examId),
    qm.unscoredMarksOfExam(ctx.db, examId),
    qm.liveLeasesOfExam(ctx.db, examId, now),
  ]);
  const done = new Set([...scores.filter((s) => s.question_id === questionId).map((s) => s.copy_id), ...marks.filter((m) => m.question_id === questionId).map((m) => m.copy_id)]);
  if (mine?.quota != null) {
    const byMe = scores.filter((s) => s.question_id === questionId && s.updated_by === actor.id).length;
    if (byMe >= mine.quota) return null;
  }
  const busy = new Set([
    ...leases.whole.filter((l) => l.owner_id !== actor.id).map((l) => l.copy_id),
    ...leases.perQuestion.filter((l) => l.question_id === questionId && l.owner_id !== actor.id).map((l) => l.copy_id),
  ]);
  const candidates = copies.filter(
    (c) => c.status === 'READY' && !done.has(c.id) && !busy.has(c.id) && (manager || !!mine || c.assigned_to === null || c.assigned_to === actor.id),
  );
  const start = after ? candidates.findIndex((c) => c.id === after) + 1 : 0;
  const pick = candidates[start] ?? null;
  if (!pick) return null;
  return {
    copy: { id: pick.id, anonymousCode: pick.anonymous_code, status: pick.status as 'READY' },
    questionId,
    region: parseRegion(q.region),
    remaining: candidates.length - start,
  };
}

/** GET /exams/:id/question-correctors */
export async function listQuestionCorrectors(ctx: AppContext, actor: Actor, examId: string) {
  requireRole(actor, 'ADMIN', 'TEACHER');
  await loadExamAccess(ctx.db, actor, examId);
  const byQuestion = await dispatchOf(ctx.db, examId);
  const leaves = leafQuestions(await listQuestions(ctx.db, examId));
  return {
    questions: leaves.map((l) => ({
      questionId: l.id,
      assignments: (byQuestion.get(l.id) ?? []).map((a) => ({ user: { id: a.user_id, displayName: a.display_name }, quota: a.quota })),
    })),
  };
}

/** PUT /exams/:id/questions/:questionId/correctors — replaces the question's dispatch (empty: any corrector). */
export async function setQuestionCorrectors(
  ctx: AppContext,
  actor: Actor,
  examId: string,
  questionId: string,
  assignments: { userId: string; quota?: number | null }[],
) {
  await ctx.db.transaction().execute(async (tx) => {
    await loadExamToManage(tx, actor, examId);
    await leafOf(tx, examId, questionId);
    const ids = new Set<string>();
    for (const a of assignments) {
      if (ids.has(a.userId)) throw validation('A corrector is listed twice', { userId: a.userId });
      ids.add(a.userId);
      if (!(await isCorrector(tx, examId, a.userId))) throw validation('Only correctors of the exam can be given a question', { userId: a.userId });
    }
    await qm.replaceAssignments(tx, examId, questionId, assignments.map((a) => ({ userId: a.userId, quota: a.quota ?? null })));
    await audit(tx, actor, 'QUESTION_CORRECTORS_SET', 'exam', examId, { questionId, assignments }, ctx.clock.now().toISOString());
  });
  return listQuestionCorrectors(ctx, actor, examId);
}

/** GET /exams/:id/question-progress — per question and per corrector (the Correctors tab). */
export async function questionProgress(ctx: AppContext, actor: Actor, examId: string) {
  requireRole(actor, 'ADMIN', 'TEACHER');
  await loadExamAccess(ctx.db, actor, examId);
  const [questions, copies, scores, marks, byQuestion, correctors] = await Promise.all([
    listQuestions(ctx.db, examId),
    qm.countableCopies(ctx.db, examId),
    qm.scoresOfExam(ctx.db, examId),
    qm.unscoredMarksOfExam(ctx.db, examId),
    dispatchOf(ctx.db, examId),
    ctx.db
      .selectFrom('exam_correctors')
      .innerJoin('users', 'users.id', 'exam_correctors.user_id')
      .select(['users.id', 'users.display_name'])
      .where('exam_correctors.exam_id', '=', examId)
      .orderBy('users.display_name')
      .execute(),
  ]);
  const leaves = leafQuestions(questions);
  const names = new Map(correctors.map((c) => [c.id, c.display_name]));
  const scorerIds = new Set(scores.map((s) => s.updated_by));
  const leafIds = new Set(leaves.map((l) => l.id));
  const users = await (scorerIds.size
    ? ctx.db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', [...scorerIds]).execute()
    : Promise.resolve([]));
  for (const u of users) if (!names.has(u.id)) names.set(u.id, u.display_name);
  const settled = new Map<string, Set<string>>();
  for (const s of scores) settled.set(s.copy_id, (settled.get(s.copy_id) ?? new Set()).add(s.question_id));
  for (const m of marks) settled.set(m.copy_id, (settled.get(m.copy_id) ?? new Set()).add(m.question_id));
  return {
    questions: leaves.map((l) => {
      const mine = scores.filter((s) => s.question_id === l.id);
      const assigned = byQuestion.get(l.id) ?? [];
      const people = new Set([...assigned.map((a) => a.user_id), ...mine.map((s) => s.updated_by)]);
      return {
        questionId: l.id,
        label: l.label,
        copies: copies.length,
        scored: mine.length,
        notScored: marks.filter((m) => m.question_id === l.id).length,
        byCorrector: [...people].map((id) => ({
          user: { id, displayName: names.get(id) ?? '' },
          scored: mine.filter((s) => s.updated_by === id).length,
          quota: assigned.find((a) => a.user_id === id)?.quota ?? null,
          assigned: assigned.some((a) => a.user_id === id),
        })),
      };
    }),
    correctors: [...new Set([...correctors.map((c) => c.id), ...scorerIds])].map((id) => ({
      user: { id, displayName: names.get(id) ?? '' },
      scored: scores.filter((s) => s.updated_by === id && leafIds.has(s.question_id)).length,
    })),
    complete: copies.filter((c) => c.status === 'READY' && leaves.every((l) => settled.get(c.id)?.has(l.id))).length,
  };
}

/**
 * POST /exams/:id/finalize-complete — the admin's batch finalize: every READY copy whose leaf questions all have a
 * score (or a "not scored" mark) and that nobody is editing goes to GRADING_IN_PROGRESS with its FLATTEN_COPY job,
 * each in its own transaction (one failing copy does not hold the others back).
 */
export async function finalizeComplete(ctx: AppContext, actor: Actor, examId: string) {
  await loadExamToManage(ctx.db, actor, examId);
  const leaves = leafQuestions(await listQuestions(ctx.db, examId));
  const copies = (await qm.countableCopies(ctx.db, examId)).filter((c) => c.status === 'READY');
  const finalized: { copyId: string; jobId: string }[] = [];
  const skipped: { copyId: string; reason: 'LEASED' | 'INCOMPLETE' }[] = [];
  for (const c of copies) {
    const r = await transaction(ctx.db, async (tx) => {
      const now = ctx.clock.now().toISOString();
      const copy = await findCopy(tx, c.id, 'update');
      if (copy?.status !== 'READY') return null;
      await qlocks.serializeCopyLeases(tx, c.id);
      const whole = await locks.findLease(tx, c.id);
      const perQ = (await qlocks.listQuestionLeases(tx, c.id)).filter((l) => l.expires_at >= now);
      if ((whole && whole.expires_at >= now) || perQ.length) return { reason: 'LEASED' as const, jobId: null };
      const scored = await tx.selectFrom('scores').select('question_id').where('copy_id', '=', c.id).execute();
      const marked = await tx.selectFrom('unscored_questions').select('question_id').where('copy_id', '=', c.id).execute();
      const settled = new Set([...scored, ...marked].map((s) => s.question_id));
      if (!leaves.every((l) => settled.has(l.id))) return { reason: 'INCOMPLETE' as const, jobId: null };
      await transition(tx, 'finalize', c.id, { actorId: actor.id, now });
      await locks.releaseLease(tx, c.id);
      await qlocks.releaseAllQuestionLeases(tx, c.id);
      return { reason: null, jobId: String(await enqueueJob(tx, { kind: 'FLATTEN_COPY', refId: c.id, payload: { copyId: c.id }, now })) };
    });
    if (!r) continue;
    if (r.reason) skipped.push({ copyId: c.id, reason: r.reason });
    else if (r.jobId) finalized.push({ copyId: c.id, jobId: r.jobId });
  }
  return { finalized, skipped };
}

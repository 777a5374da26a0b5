/**
 * Rubric items and their application to copies (issue 13). Items are shared by the exam's correctors; applying
 * them to a (copy, question) computes the question's score (rubric-score.ts) in one version-checked write under
 * the copy's or the question's lease. Editing an item rewrites every copy that uses it in one transaction, except
 * the copies whose result is final (GRADED, or being rendered), which are listed for an admin to reopen.
 */
import type { AppContext, Actor } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { RubricApplicationsTable, RubricItemsTable } from '../../db/schema.ts';
import type { Selectable } from 'kysely';
import { AppError, notFound, validation, invalidState } from '../../errors.ts';
import { newId } from '../../ids.ts';
import * as repo from '../../repositories/rubric.repository.ts';
import * as scoresRepo from '../../repositories/score.repository.ts';
import { findQuestion } from '../../repositories/question-mode.repository.ts';
import { listQuestions } from '../../repositories/exam.repository.ts';
import { listPages } from '../../repositories/copy.repository.ts';
import { insertEvent } from '../../repositories/event.repository.ts';
import { insertAnnotation } from '../../repositories/annotation.repository.ts';
import { loadCopyFor, loadExamAccess, requireRole } from '../access.ts';
import { annotationDto, scoreDto } from '../copy.service.ts';
import { audit } from '../audit.service.ts';
import { leafQuestions } from '../total.ts';
import { applicationConflict, rubricScore, type ScoringMode } from './rubric-score.ts';
import { checkQuestionWriteLease, loadCopyForQuestion, lockRequired } from './question-lease.service.ts';

type ItemRow = Selectable<RubricItemsTable>;
type ApplicationRow = Selectable<RubricApplicationsTable>;

export function itemDto(i: ItemRow, usage: number) {
  return {
    id: i.id,
    examId: i.exam_id,
    questionId: i.question_id,
    label: i.label,
    comment: i.comment,
    points: i.points,
    kind: i.kind,
    group: i.group_name,
    order: i.position,
    version: i.version,
    retiredAt: i.retired_at,
    usage,
    createdBy: i.created_by,
    createdAt: i.created_at,
    updatedAt: i.updated_at,
  };
}

const settingsDto = (q: { id: string; scoring_mode: ScoringMode; region: string | null }) => ({
  questionId: q.id,
  mode: q.scoring_mode,
  region: q.region ? (JSON.parse(q.region) as { pagePosition: number; x: number; y: number; w: number; h: number }) : null,
});

/** The caller may grade the exam: its admins, owner and correctors. */
async function loadExamToGrade(ex: Executor, actor: Actor, examId: string) {
  requireRole(actor, 'ADMIN', 'TEACHER');
  return loadExamAccess(ex, actor, examId);
}

/** A leaf question of the exam that is still part of the scale. */
async function leafOfExam(ex: Executor, examId: string, questionId: string) {
  const questions = await listQuestions(ex, examId);
  const q = leafQuestions(questions).find((x) => x.id === questionId);
  if (!q) throw validation('questionId is not a gradable question (a leaf of the scale) of this exam');
  const full = await findQuestion(ex, questionId);
  return full!;
}

export async function listRubricItems(ctx: AppContext, actor: Actor, examId: string, q: { questionId?: string; retired?: 'true' | 'false' }) {
  await loadExamToGrade(ctx.db, actor, examId);
  const rows = await repo.listItems(ctx.db, examId, { questionId: q.questionId, includeRetired: q.retired !== 'false' });
  const leaves = leafQuestions(await listQuestions(ctx.db, examId));
  const full = await Promise.all(leaves.map((l) => findQuestion(ctx.db, l.id)));
  return {
    items: rows.map((r) => itemDto(r, Number(r.usage ?? 0))),
    questions: full.filter((x) => !!x).map(settingsDto),
  };
}

function checkItemValues(i: { points: number; kind: 'DELTA' | 'ABSOLUTE' }, maxPoints: number) {
  if (i.kind === 'ABSOLUTE' && (i.points < 0 || i.points > maxPoints)) {
    throw validation(`An absolute item gives between 0 and ${maxPoints / 100} points on this question`, { maxPoints });
  }
  if (Math.abs(i.points) > maxPoints) throw validation(`An item cannot be worth more than the question (${maxPoints / 100} points)`, { maxPoints });
}

export async function createRubricItem(
  ctx: AppContext,
  actor: Actor,
  examId: string,
  body: { questionId: string; label: string; comment?: string; points: number; kind?: 'DELTA' | 'ABSOLUTE'; group?: string | null; order?: number },
) {
  return ctx.db.transaction().execute(async (tx) => {
    await loadExamToGrade(tx, actor, examId);
    const question = await leafOfExam(tx, examId, body.questionId);
    const kind = body.kind ?? 'DELTA';
    checkItemValues({ points: body.points, kind }, question.max_points);
    const now = ctx.clock.now().toISOString();
    const row = await repo.insertItem(tx, {
      id: newId(),
      exam_id: examId,
      question_id: body.questionId,
      label: body.label,
      comment: body.comment ?? '',
      points: body.points,
      kind,
      group_name: body.group ?? null,
      position: body.order ?? (await repo.nextItemPosition(tx, body.questionId)),
      version: 1,
      retired_at: null,
      created_by: actor.id,
      created_at: now,
      updated_at: now,
    });
    await audit(tx, actor, 'RUBRIC_ITEM_CREATED', 'exam', examId, { itemId: row.id, questionId: body.questionId, points: body.points, kind }, now);
    return itemDto(row, 0);
  });
}

// ---------------------------------------------------------------- applying items to a (copy, question)

type AppliedInput = { itemId: string; pagePosition?: number; x?: number; y?: number };

const BADGE = { w: 0.09, h: 0.035 };

function appliedDto(a: ApplicationRow, badge: { id: string; page_position: number; x: number; y: number } | undefined) {
  return {
    itemId: a.item_id,
    label: a.label,
    comment: a.comment,
    points: a.points,
    kind: a.kind,
    annotationId: badge?.id ?? null,
    pagePosition: badge?.page_position ?? null,
    x: badge?.x ?? null,
    y: badge?.y ?? null,
  };
}

export async function questionState(ex: Executor, copyId: string, question: { id: string; scoring_mode: ScoringMode }) {
  const [applied, badges, score] = await Promise.all([
    repo.applicationsOf(ex, copyId, question.id),
    repo.badgesOf(ex, copyId, question.id),
    scoresRepo.findScore(ex, copyId, question.id),
  ]);
  const badgeOf = new Map(badges.map((b) => [b.rubric_item_id!, b]));
  return {
    copyId,
    questionId: question.id,
    mode: question.scoring_mode,
    applied: applied.map((a) => appliedDto(a, badgeOf.get(a.item_id))),
    adjustment: score?.rubric_adjustment ?? 0,
    score: score ? scoreDto(score) : null,
    badges: badges.map(annotationDto),
  };
}

/** GET /copies/:id/rubric: the rubric state of every leaf question of the copy. */
export async function getCopyRubric(ctx: AppContext, actor: Actor, copyId: string) {
  const { copy } = await loadCopyForAny(ctx, actor, copyId);
  const leaves = leafQuestions(await listQuestions(ctx.db, copy.exam_id));
  const out = [];
  for (const l of leaves) {
    const q = await findQuestion(ctx.db, l.id);
    out.push(await questionState(ctx.db, copyId, { id: l.id, scoring_mode: q!.scoring_mode }));
  }
  return { questions: out };
}

async function loadCopyForAny(ctx: AppContext, actor: Actor, copyId: string) {
  requireRole(actor, 'ADMIN', 'TEACHER');
  const found = await loadCopyFor(ctx.db, actor, copyId);
  if (found.access === 'student') throw notFound('Copy');
  return found;
}

/**
 * PUT /copies/:id/questions/:questionId/rubric: the applied items of one question, their badges and the score,
 * in one transaction under the caller's lease (whole copy, or that question). `version` is the score's (0: none).
 */
export async function putQuestionRubric(
  ctx: AppContext,
  actor: Actor,
  copyId: string,
  questionId: string,
  token: string | undefined,
  body: { version: number; applied: AppliedInput[]; adjustment?: number },
) {
  requireRole(actor, 'ADMIN', 'TEACHER');
  if (!token) throw lockRequired('This write needs the X-Lock-Token header of the copy\'s or the question\'s edit lease');
  return ctx.db.transaction().execute(async (tx) => {
    const { copy, question } = await loadCopyForQuestion(tx, actor, copyId, questionId, 'share');
    const now = ctx.clock.now().toISOString();
    const leaseKind = await checkQuestionWriteLease(tx, actor, { copyId, questionId, token, now });
    if (copy.status !== 'READY') throw invalidState(copy.status);

    // every item of the question held FOR SHARE: an edit of one of them (FOR UPDATE) waits for this write, and the reverse
    const items = new Map((await repo.itemsOfQuestion(tx, questionId, true)).map((i) => [i.id, i]));
    const before = new Set((await repo.applicationsOf(tx, copyId, questionId)).map((a) => a.item_id));
    const seen = new Set<string>();
    const pages = body.applied.some((a) => a.pagePosition !== undefined) ? (await listPages(tx, copyId)).length : 0;
    for (const a of body.applied) {
      const item = items.get(a.itemId);
      if (!item) throw validation(`${a.itemId} is not a rubric item of this question`, { itemId: a.itemId });
      if (seen.has(a.itemId)) throw validation('An item is applied at most once on a question', { itemId: a.itemId });
      seen.add(a.itemId);
      if (item.retired_at && !before.has(item.id)) {
        throw new AppError('RUBRIC_ITEM_RETIRED', 409, `The item "${item.label}" is retired: it can no longer be applied`, { itemId: item.id });
      }
      const placed = [a.pagePosition, a.x, a.y].filter((v) => v !== undefined).length;
      if (placed !== 0 && placed !== 3) throw validation('A placed item needs pagePosition, x and y together', { itemId: a.itemId });
      if (a.pagePosition !== undefined && a.pagePosition >= pages) {
        throw validation(`The copy has ${pages} pages; page position ${a.pagePosition} does not exist`, { itemId: a.itemId });
      }
    }
    const chosen = body.applied.map((a) => items.get(a.itemId)!);
    const conflict = applicationConflict(chosen);
    if (conflict) {
      throw new AppError(
        'RUBRIC_GROUP_CONFLICT',
        409,
        conflict.group ? `Only one item of the group "${conflict.group}" can be applied` : 'Only one absolute item can be applied on a question',
        conflict,
      );
    }
    const adjustment = body.adjustment ?? 0;
    const points = rubricScore(question.scoring_mode, question.max_points, chosen, adjustment);
    const row = await repo.writeRubricScore(tx, {
      copyId, questionId, maxPoints: question.max_points, version: body.version, points, adjustment, by: actor.id, now,
    });
    if (!row) {
      const current = await scoresRepo.findScore(tx, copyId, questionId);
      throw new AppError(
        'VERSION_CONFLICT',
        409,
        current ? 'This question was scored meanwhile (another tab, teacher or an item edit)' : 'This question has no score yet: send version 0',
        { current: current ? scoreDto(current) : null, state: await questionState(tx, copyId, question) },
      );
    }
    const wasNotScored = await scoresRepo.deleteUnscoredMark(tx, copyId, questionId);
    await repo.deleteBadges(tx, copyId, questionId);
    await repo.deleteApplications(tx, copyId, questionId);
    await repo.insertApplications(
      tx,
      chosen.map((i, position) => ({
        copy_id: copyId, question_id: questionId, item_id: i.id, position, label: i.label, comment: i.comment, points: i.points, kind: i.kind,
        created_by: actor.id, created_at: now,
      })),
    );
    for (const a of body.applied) {
      if (a.pagePosition === undefined) continue;
      const item = items.get(a.itemId)!;
      await insertAnnotation(tx, {
        id: newId(),
        copy_id: copyId,
        page_position: a.pagePosition,
        x: Math.min(a.x!, 1 - BADGE.w),
        y: Math.min(a.y!, 1 - BADGE.h),
        w: BADGE.w,
        h: BADGE.h,
        type: 'SCORE',
        content: item.label,
        points: null,
        score_delta: item.points,
        question_id: questionId,
        rubric_item_id: item.id,
        created_by: actor.id,
        version: 1,
        created_at: now,
        updated_at: now,
      });
    }
    await insertEvent(tx, {
      copyId,
      action: 'RUBRIC_APPLIED',
      actorId: actor.id,
      at: now,
      metadata: { questionId, items: chosen.map((i) => i.id), adjustment, points, version: row.version, lease: leaseKind, ...(wasNotScored ? { wasNotScored } : {}) },
    });
    return questionState(tx, copyId, question);
  });
}

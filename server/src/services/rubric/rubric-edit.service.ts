/**
 * Editing a rubric item changes every copy that uses it (issue 13 §3). `previewItemEdit` and `patchRubricItem`
 * share `editEffect`, so the preview is exactly what the edit does. The edit holds the item FOR UPDATE
 * (PostgreSQL; SQLite serializes writers): applications of the question's items hold them FOR SHARE, so no copy
 * starts or stops using the item, nor changes its adjustment, between the computation and the writes.
 *
 * Copies READY or LOCKED get the change (their applied items, badges and score), also when another corrector holds
 * their lease — their desk sees the score's new version. Copies whose result is final or being made final
 * (GRADED, GRADING_IN_PROGRESS, GRADING_FAILED) are not changed: they are listed in `graded` for an admin to
 * reopen; a later edit, or a new save of the question, brings them up to date.
 */
import type { Selectable } from 'kysely';
import type { AppContext, Actor } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { CopyStatus, RubricItemsTable } from '../../db/schema.ts';
import { AppError, notFound, validation } from '../../errors.ts';
import * as repo from '../../repositories/rubric.repository.ts';
import { findQuestion, countableCopies, scoresOfExam, liveLeasesOfExam } from '../../repositories/question-mode.repository.ts';
import { listQuestions } from '../../repositories/exam.repository.ts';
import { insertEvent } from '../../repositories/event.repository.ts';
import { loadExamAccess, requireRole } from '../access.ts';
import { computeMaxTotal, leafQuestions } from '../total.ts';
import { applicationConflict, rubricScore, totalsHistogram } from './rubric-score.ts';
import { itemDto } from './rubric.service.ts';
import { audit } from '../audit.service.ts';

type ItemRow = Selectable<RubricItemsTable>;
export type ItemChanges = {
  label?: string;
  comment?: string;
  points?: number;
  kind?: 'DELTA' | 'ABSOLUTE';
  group?: string | null;
  order?: number;
  retired?: boolean;
};

const CHANGEABLE = new Set(['READY', 'LOCKED']);

function nextItem(item: ItemRow, c: ItemChanges, now: string): ItemRow {
  return {
    ...item,
    label: c.label ?? item.label,
    comment: c.comment ?? item.comment,
    points: c.points ?? item.points,
    kind: c.kind ?? item.kind,
    group_name: c.group !== undefined ? c.group : item.group_name,
    position: c.order ?? item.position,
    retired_at: c.retired === undefined ? item.retired_at : c.retired ? (item.retired_at ?? now) : null,
  };
}

async function editEffect(tx: Executor, actor: Actor, item: ItemRow, next: ItemRow) {
  const question = await findQuestion(tx, item.question_id);
  if (!question) throw notFound('Question');
  if (next.kind === 'ABSOLUTE' && (next.points < 0 || next.points > question.max_points)) {
    throw validation(`An absolute item gives between 0 and ${question.max_points / 100} points on this question`, { maxPoints: question.max_points });
  }
  if (Math.abs(next.points) > question.max_points) {
    throw validation(`An item cannot be worth more than the question (${question.max_points / 100} points)`, { maxPoints: question.max_points });
  }
  const questions = await listQuestions(tx, item.exam_id);
  const leafIds = new Set(leafQuestions(questions).map((q) => q.id));
  const copies = await countableCopies(tx, item.exam_id);
  const scores = await scoresOfExam(tx, item.exam_id);
  const uses = await repo.copiesUsingItem(tx, item.id);
  const apps = await repo.applicationsOfCopies(tx, uses.map((u) => u.id));
  const itemsOfQ = new Map((await repo.itemsOfQuestion(tx, item.question_id)).map((i) => [i.id, i]));
  itemsOfQ.set(item.id, next);

  const totals = new Map<string, number>(copies.map((c) => [c.id, 0]));
  const scoreOf = new Map<string, { points: number; adjustment: number | null }>();
  for (const s of scores) {
    if (leafIds.has(s.question_id) && totals.has(s.copy_id)) totals.set(s.copy_id, totals.get(s.copy_id)! + s.points);
    if (s.question_id === item.question_id) scoreOf.set(s.copy_id, { points: s.points, adjustment: s.rubric_adjustment ?? null });
  }
  type Change = { copyId: string; anonymousCode: string; status: CopyStatus; before: { points: number; total: number }; after: { points: number; total: number } };
  const changed: Change[] = [];
  const graded: Change[] = [];
  const conflicts: string[] = [];
  for (const u of uses) {
    const mine = apps.filter((a) => a.copy_id === u.id && a.question_id === item.question_id);
    const own = mine.find((a) => a.item_id === item.id)!;
    // the group check sees the items' current groups, the edited one with its new fields
    if (applicationConflict(mine.map((a) => itemsOfQ.get(a.item_id)!))) conflicts.push(u.id);
    const applied = mine.map((a) => (a.item_id === item.id ? { ...a, points: next.points, kind: next.kind } : a)).map((a) => ({ id: a.item_id, points: a.points, kind: a.kind, group_name: null }));
    const score = scoreOf.get(u.id);
    const before = score?.points ?? 0;
    const after = rubricScore(question.scoring_mode, question.max_points, applied, score?.adjustment ?? 0);
    const snapshotChanges = own.label !== next.label || own.comment !== next.comment || own.points !== next.points || own.kind !== next.kind;
    if (!snapshotChanges && before === after) continue;
    const totalBefore = totals.get(u.id) ?? before;
    const change = {
      copyId: u.id,
      anonymousCode: u.anonymous_code,
      status: u.status,
      before: { points: before, total: totalBefore },
      after: { points: after, total: totalBefore - before + after },
    };
    (CHANGEABLE.has(u.status) ? changed : graded).push(change);
  }
  if (conflicts.length) {
    throw new AppError('RUBRIC_GROUP_CONFLICT', 409, 'With this change, some copies would have two items of one "pick one" group (or two absolute items)', {
      copies: conflicts,
    });
  }
  const maxTotal = computeMaxTotal(questions);
  const beforeTotals = copies.map((c) => totals.get(c.id)!);
  const afterOf = new Map(changed.map((c) => [c.copyId, c.after.total]));
  const afterTotals = copies.map((c) => afterOf.get(c.id) ?? totals.get(c.id)!);
  return {
    question,
    copies: changed,
    graded,
    histogram: { before: totalsHistogram(beforeTotals, maxTotal), after: totalsHistogram(afterTotals, maxTotal) },
    usage: uses.length,
  };
}

async function leasedByOthers(tx: Executor, actor: Actor, examId: string, questionId: string, copyIds: string[], now: string) {
  if (!copyIds.length) return [];
  const wanted = new Set(copyIds);
  const { whole, perQuestion } = await liveLeasesOfExam(tx, examId, now);
  const owners = new Map<string, string>();
  for (const l of whole) if (wanted.has(l.copy_id) && l.owner_id !== actor.id) owners.set(l.copy_id, l.owner_id);
  for (const l of perQuestion) if (wanted.has(l.copy_id) && l.question_id === questionId && l.owner_id !== actor.id) owners.set(l.copy_id, l.owner_id);
  if (!owners.size) return [];
  const users = await tx.selectFrom('users').select(['id', 'display_name']).where('id', 'in', [...new Set(owners.values())]).execute();
  const name = new Map(users.map((u) => [u.id, u.display_name]));
  return copyIds.filter((id) => owners.has(id)).map((copyId) => ({ copyId, owner: { id: owners.get(copyId)!, displayName: name.get(owners.get(copyId)!) ?? '' } }));
}

async function loadItemToEdit(tx: Executor, actor: Actor, id: string, lock?: 'update') {
  requireRole(actor, 'ADMIN', 'TEACHER');
  const item = await repo.findItem(tx, id, lock);
  if (!item) throw notFound('Rubric item');
  await loadExamAccess(tx, actor, item.exam_id).catch((err: unknown) => {
    if (err instanceof AppError && err.code === 'NOT_FOUND') throw notFound('Rubric item');
    throw err;
  });
  return item;
}

/** POST /rubric-items/:id/preview: what the edit would do; changes nothing (its transaction is rolled back). */
export async function previewItemEdit(ctx: AppContext, actor: Actor, id: string, changes: ItemChanges) {
  return ctx.db.transaction().execute(async (tx) => {
    const item = await loadItemToEdit(tx, actor, id);
    const now = ctx.clock.now().toISOString();
    const effect = await editEffect(tx, actor, item, nextItem(item, changes, now));
    const leased = await leasedByOthers(tx, actor, item.exam_id, item.question_id, effect.copies.map((c) => c.copyId), now);
    return { copies: effect.copies, graded: effect.graded, leased, histogram: effect.histogram, usage: effect.usage };
  });
}

/** PATCH /rubric-items/:id: the edit and its effect on every copy using the item, in one transaction. */
export async function patchRubricItem(ctx: AppContext, actor: Actor, id: string, body: ItemChanges & { version: number }) {
  return ctx.db.transaction().execute(async (tx) => {
    const item = await loadItemToEdit(tx, actor, id, 'update');
    if (item.version !== body.version) {
      throw new AppError('VERSION_CONFLICT', 409, 'This rubric item was changed meanwhile (another corrector)', {
        current: itemDto(item, await repo.usageOf(tx, id)),
      });
    }
    const now = ctx.clock.now().toISOString();
    const next = nextItem(item, body, now);
    const effect = await editEffect(tx, actor, item, next);
    const leased = await leasedByOthers(tx, actor, item.exam_id, item.question_id, effect.copies.map((c) => c.copyId), now);
    const updated = await repo.updateItemIfVersion(tx, id, body.version, {
      label: next.label,
      comment: next.comment,
      points: next.points,
      kind: next.kind,
      group_name: next.group_name,
      position: next.position,
      retired_at: next.retired_at,
      updated_at: now,
    });
    if (!updated) {
      const current = await repo.findItem(tx, id);
      throw new AppError('VERSION_CONFLICT', 409, 'This rubric item was changed meanwhile (another corrector)', {
        current: current ? itemDto(current, await repo.usageOf(tx, id)) : null,
      });
    }
    const ids = effect.copies.map((c) => c.copyId);
    await repo.updateApplicationsOfItem(tx, id, ids, { label: next.label, comment: next.comment, points: next.points, kind: next.kind });
    await repo.updateBadgesOfItem(tx, id, ids, { content: next.label, score_delta: next.points, updated_at: now });
    for (const c of effect.copies) {
      await repo.setRecomputedScore(tx, { copyId: c.copyId, questionId: item.question_id, points: c.after.points, now });
      await insertEvent(tx, {
        copyId: c.copyId,
        action: 'RUBRIC_ITEM_EDITED',
        actorId: actor.id,
        at: now,
        metadata: { itemId: id, questionId: item.question_id, itemVersion: updated.version, before: c.before.points, after: c.after.points },
      });
    }
    await audit(tx, actor, 'RUBRIC_ITEM_UPDATED', 'exam', item.exam_id, { itemId: id, version: updated.version, copies: ids.length }, now);
    return { item: itemDto(updated, effect.usage), copies: effect.copies, graded: effect.graded, leased, histogram: effect.histogram, usage: effect.usage };
  });
}

/** DELETE /rubric-items/:id?version=N: only an item no copy uses (else retire it: PATCH {retired:true}). */
export async function deleteRubricItem(ctx: AppContext, actor: Actor, id: string, version: number) {
  await ctx.db.transaction().execute(async (tx) => {
    const item = await loadItemToEdit(tx, actor, id, 'update');
    const usage = await repo.usageOf(tx, id);
    if (usage > 0) {
      throw new AppError('RUBRIC_ITEM_IN_USE', 409, `This item is applied on ${usage} copies: it can only be retired`, { usage });
    }
    if ((await repo.deleteItemIfVersion(tx, id, version)) === 0) {
      throw new AppError('VERSION_CONFLICT', 409, 'This rubric item was changed meanwhile (another corrector)', { current: itemDto(item, 0) });
    }
    await audit(tx, actor, 'RUBRIC_ITEM_DELETED', 'exam', item.exam_id, { itemId: id, questionId: item.question_id }, ctx.clock.now().toISOString());
  });
}

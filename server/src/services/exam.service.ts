import type { Exam, QuestionInput } from '@korrigo/contracts';
import type { AppContext, Actor } from '../context.ts';
import type { Executor } from '../db/database.ts';
import type { ExamsTable, QuestionsTable } from '../db/schema.ts';
import { transaction } from '../db/transaction.ts';
import { AppError, forbidden, notFound, validation } from '../errors.ts';
import { newId } from '../ids.ts';
import * as exams from '../repositories/exam.repository.ts';
import { findUserById } from '../repositories/user.repository.ts';
import { loadExamFor, loadExamToManage, requireRole } from './access.ts';
import { computeMaxTotal, leafQuestions } from './total.ts';
import { audit } from './audit.service.ts';
import { enqueueHeaderMasks } from './anonymity.service.ts';
import { gradingStarted, headerPagesWithoutMask } from '../repositories/mask.repository.ts';

export async function examDto(ex: Executor, exam: ExamsTable): Promise<Exam> {
  const questions = await exams.listQuestions(ex, exam.id);
  const leaves = new Set(leafQuestions(questions).map((q) => q.id));
  return {
    id: exam.id,
    title: exam.title,
    examDate: exam.exam_date,
    pagesPerCopy: exam.pages_per_copy,
    anonymous: exam.anonymous === 1,
    resultsReleasedAt: exam.results_released_at,
    archivedAt: exam.archived_at,
    createdAt: exam.created_at,
    questions: questions.map((q) => ({
      id: q.id,
      parentId: q.parent_id,
      label: q.label,
      maxPoints: q.max_points,
      position: q.position,
      isLeaf: leaves.has(q.id),
    })),
    maxTotal: computeMaxTotal(questions),
    counts: await exams.statusCounts(ex, exam.id),
    correctors: (await exams.listCorrectors(ex, exam.id)).map((u) => ({ id: u.id, displayName: u.display_name })),
    owner: await exams.findOwner(ex, exam.id).then((u) => (u ? { id: u.id, displayName: u.display_name } : null)),
  };
}

interface FlatQuestion {
  id: string;
  parentId: string | null;
  label: string;
  maxPoints: number;
  position: number;
}

/** Nested scale → rows in display order; an exercise's max is the sum of its children. */
function flattenScale(input: QuestionInput[], known: Map<string, Pick<QuestionsTable, 'id' | 'exam_id' | 'parent_id' | 'label' | 'max_points' | 'position' | 'removed_at'>>): FlatQuestion[] {
  const out: FlatQuestion[] = [];
  const seen = new Set<string>();
  const walk = (nodes: QuestionInput[], parentId: string | null, depth: number): number => {
    if (depth > 3) throw validation('The scale is nested too deeply (at most 3 levels)');
    let sum = 0;
    for (const n of nodes) {
      if (n.id !== undefined) {
        if (!known.has(n.id)) throw validation(`Question ${n.id} is not part of this exam`);
        if (seen.has(n.id)) throw validation(`Question ${n.id} appears twice`);
      }
      const id = n.id ?? newId();
      seen.add(id);
      const row: FlatQuestion = { id, parentId, label: n.label, maxPoints: 0, position: out.length };
      out.push(row);
      if (n.children?.length) row.maxPoints = walk(n.children, id, depth + 1);
      else if (n.maxPoints === undefined) throw validation(`Question "${n.label}" needs maxPoints`);
      else row.maxPoints = n.maxPoints;
      sum += row.maxPoints;
    }
    return sum;
  };
  walk(input, null, 1);
  return out;
}

async function writeScale(tx: Executor, examId: string, input: QuestionInput[]) {
  const existing = await exams.listQuestions(tx, examId, true);
  const known = new Map(existing.map((q) => [q.id, q]));
  const flat = flattenScale(input, known);
  const keep = new Set(flat.map((q) => q.id));
  // a question whose score exists must keep its max at least that high; the database refuses otherwise
  for (const q of flat) {
    const old = known.get(q.id);
    if (!old) {
      await exams.insertQuestion(tx, { id: q.id, exam_id: examId, parent_id: q.parentId, label: q.label, max_points: q.maxPoints, position: q.position, removed_at: null });
    } else {
      await exams.updateQuestion(tx, q.id, { parent_id: q.parentId, label: q.label, max_points: q.maxPoints, position: q.position, removed_at: null });
    }
  }
  // removed questions: deleted when nothing refers to them, otherwise retired (scores keep pointing at them)
  const removed = existing.filter((q) => !keep.has(q.id) && q.removed_at === null);
  for (const q of removed) await exams.updateQuestion(tx, q.id, { parent_id: null });
  for (const q of removed) {
    if (await exams.questionIsReferenced(tx, q.id)) await exams.updateQuestion(tx, q.id, { removed_at: new Date().toISOString() });
    else await exams.deleteQuestion(tx, q.id);
  }
}

function mapScaleError(err: unknown): never {
  const msg = String((err as Error)?.message ?? '');
  if (/scores_points|CHECK constraint/i.test(msg) || (err as { code?: string }).code === '23514') {
    throw validation('A question cannot get a maximum below points already given to a copy');
  }
  throw err;
}

export async function createExam(
  ctx: AppContext,
  actor: Actor,
  input: { title: string; examDate?: string | null; pagesPerCopy: number; anonymous?: boolean; questions: QuestionInput[] },
): Promise<Exam> {
  // a teacher may run a test of their own: they own the exam they create, and grade it unless they change that
  requireRole(actor, 'ADMIN', 'TEACHER');
  const now = ctx.clock.now().toISOString();
  const id = newId();
  await ctx.db.transaction().execute(async (tx) => {
    await exams.insertExam(tx, {
      id,
      title: input.title,
      exam_date: input.examDate ?? null,
      pages_per_copy: input.pagesPerCopy,
      anonymous: input.anonymous === false ? 0 : 1,
      results_released_at: null,
      archived_at: null,
      archived_by: null,
      created_by: actor.id,
      created_at: now,
      updated_at: now,
    });
    await writeScale(tx, id, input.questions);
    if (actor.role === 'TEACHER') {
      await exams.setOwner(tx, id, actor.id, now);
      await exams.replaceCorrectors(tx, id, [actor.id]);
    }
    await audit(tx, actor, 'EXAM_CREATED', 'exam', id, { title: input.title, owner: actor.role === 'TEACHER' ? actor.id : null }, now);
  });
  return examDto(ctx.db, (await exams.findExam(ctx.db, id))!);
}

export async function getExam(ctx: AppContext, actor: Actor, id: string): Promise<Exam> {
  requireRole(actor, 'ADMIN', 'TEACHER');
  return examDto(ctx.db, await loadExamFor(ctx.db, actor, id));
}

export async function listExams(ctx: AppContext, actor: Actor, archived: 'true' | 'false' | 'all'): Promise<Exam[]> {
  requireRole(actor, 'ADMIN', 'TEACHER');
  const rows = await exams.listExams(ctx.db, { archived, correctorId: actor.role === 'TEACHER' ? actor.id : undefined });
  return Promise.all(rows.map((e) => examDto(ctx.db, e)));
}

export async function updateExam(
  ctx: AppContext,
  actor: Actor,
  id: string,
  input: { title?: string; examDate?: string | null; pagesPerCopy?: number; anonymous?: boolean; questions?: QuestionInput[]; ownerId?: string | null },
): Promise<Exam> {
  const now = ctx.clock.now().toISOString();
  await transaction(ctx.db, async (tx) => {
    const exam = await loadExamToManage(tx, actor, id);
    if (input.ownerId !== undefined) {
      if (actor.role !== 'ADMIN') throw forbidden('Only an admin may hand an exam to another owner');
      if (input.ownerId !== null) {
        const u = await findUserById(tx, input.ownerId);
        if (!u || u.is_active !== 1 || u.role !== 'TEACHER') throw validation('The owner must be an active teacher', { field: 'ownerId' });
      }
      await exams.setOwner(tx, id, input.ownerId, now);
    }
    if (input.pagesPerCopy !== undefined && input.pagesPerCopy !== exam.pages_per_copy && (await exams.examHasAnything(tx, id))) {
      throw new AppError('INVALID_STATE', 409, 'Pages per copy cannot change once scans are uploaded', { currentStatus: null });
    }
    const anonymity = input.anonymous === undefined || input.anonymous === (exam.anonymous === 1) ? null : input.anonymous;
    if (anonymity !== null) await checkAnonymityMayChange(tx, id);
    await exams.updateExam(tx, id, {
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.examDate !== undefined ? { exam_date: input.examDate } : {}),
      ...(input.pagesPerCopy !== undefined ? { pages_per_copy: input.pagesPerCopy } : {}),
      ...(input.anonymous !== undefined ? { anonymous: input.anonymous ? 1 : 0 } : {}),
      updated_at: now,
    });
    if (input.questions) await writeScale(tx, id, input.questions);
    if (anonymity === true) await enqueueHeaderMasks(tx, (await headerPagesWithoutMask(tx, id)).map((p) => p.copy_id), now);
    await audit(tx, actor, 'EXAM_UPDATED', 'exam', id, { fields: Object.keys(input), ...(anonymity !== null ? { anonymous: anonymity } : {}) }, now);
  }).catch(mapScaleError);
  return examDto(ctx.db, (await exams.findExam(ctx.db, id))!);
}

/**
 * Anonymity may change until grading starts: after that, a corrector has seen copies under the other rule (switching
 * it off would hand names to someone already grading anonymously; switching it on would not take back what they saw).
 */
async function checkAnonymityMayChange(tx: Executor, examId: string) {
  await exams.findExam(tx, examId, 'update');
  if (await gradingStarted(tx, examId)) {
    throw new AppError('GRADING_STARTED', 409, 'Anonymity cannot change once grading has started (a copy is opened, annotated, scored or submitted)');
  }
}

/** P0-DI-005: an exam with copies is never deleted (archive it instead); the check and the delete are one statement. */
export async function deleteExam(ctx: AppContext, actor: Actor, id: string) {
  await ctx.db.transaction().execute(async (tx) => {
    await loadExamToManage(tx, actor, id);
    const exam = await exams.findExam(tx, id, 'update');
    if (!exam) throw notFound('Exam');
    if (await exams.examHasAnything(tx, id)) {
      throw new AppError('EXAM_HAS_COPIES', 409, 'This exam has copies or scans: archive it instead of deleting it');
    }
    await exams.deleteExamChildren(tx, id);
    if ((await exams.deleteExamIfNoCopies(tx, id)) === 0) {
      throw new AppError('EXAM_HAS_COPIES', 409, 'This exam has copies or scans: archive it instead of deleting it');
    }
    await audit(tx, actor, 'EXAM_DELETED', 'exam', id, { title: exam.title }, ctx.clock.now().toISOString());
  });
}

export async function setArchived(ctx: AppContext, actor: Actor, id: string, archived: boolean): Promise<Exam> {
  const now = ctx.clock.now().toISOString();
  await ctx.db.transaction().execute(async (tx) => {
    await loadExamToManage(tx, actor, id);
    await exams.updateExam(tx, id, { archived_at: archived ? now : null, archived_by: archived ? actor.id : null, updated_at: now });
    await audit(tx, actor, archived ? 'EXAM_ARCHIVED' : 'EXAM_UNARCHIVED', 'exam', id, {}, now);
  });
  return examDto(ctx.db, (await exams.findExam(ctx.db, id))!);
}

export async function setCorrectors(ctx: AppContext, actor: Actor, id: string, userIds: string[]): Promise<Exam> {
  const unique = [...new Set(userIds)];
  await ctx.db.transaction().execute(async (tx) => {
    await loadExamToManage(tx, actor, id);
    for (const uid of unique) {
      const u = await findUserById(tx, uid);
      if (!u || u.is_active !== 1 || (u.role !== 'TEACHER' && u.role !== 'ADMIN')) throw validation(`User ${uid} is not an active teacher`);
    }
    await exams.replaceCorrectors(tx, id, unique);
    await audit(tx, actor, 'CORRECTORS_SET', 'exam', id, { userIds: unique }, ctx.clock.now().toISOString());
  });
  return examDto(ctx.db, (await exams.findExam(ctx.db, id))!);
}

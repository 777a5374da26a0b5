import type { AppContext, Actor } from '../context.ts';
import type { Annotation, CopyDetail, CopyPage, CopyStatusResponse, GradingEventList, Score } from '@korrigo/contracts';
import type { Executor } from '../db/database.ts';
import type { Copy, CopyStatus, Exam } from '../db/schema.ts';
import { transaction } from '../db/transaction.ts';
import { notFound } from '../errors.ts';
import * as copies from '../repositories/copy.repository.ts';
import { listAnnotations } from '../repositories/annotation.repository.ts';
import { listScores, listUnscoredMarks, scoresOfCopies } from '../repositories/score.repository.ts';
import { findLease } from '../repositories/lock.repository.ts';
import { listEvents } from '../repositories/event.repository.ts';
import { findUserById } from '../repositories/user.repository.ts';
import { latestJobFor } from '../repositories/job.repository.ts';
import { findBlob } from '../repositories/blob.repository.ts';
import { listQuestions } from '../repositories/exam.repository.ts';
import { findStudent } from '../repositories/student.repository.ts';
import { loadCopyFor, loadCopyToManage, loadExamAccess, mayKnowStudent, requireRole, type CopyAccess, type ExamAccess } from './access.ts';
import { correctorSeesMasked, enqueueHeaderMasks, HEADER_PAGE, maskedFinalPdf, maskedPageImage } from './anonymity.service.ts';
import { transition } from './copy-state-machine.ts';
import { displaySize, withOrientation, type Rotation } from './page-rotation.ts';
import { computeTotal, leafQuestions, questionResults } from './total.ts';
import { studentPdfBlobId } from './portal.service.ts';

const userRef = (id: string | null, name: string | null | undefined) => (id ? { id, displayName: name ?? '' } : null);

export function annotationDto(a: {
  id: string; copy_id: string; page_position: number; x: number; y: number; w: number; h: number; type: string;
  content: string | null; points: string | null; score_delta: number | null; question_id: string | null;
  created_by: string; version: number; created_at: string; updated_at: string;
}): Annotation {
  return {
    id: a.id,
    copyId: a.copy_id,
    pagePosition: a.page_position,
    x: a.x,
    y: a.y,
    w: a.w,
    h: a.h,
    type: a.type as 'COMMENT',
    content: a.content,
    points: a.points ? (JSON.parse(a.points) as [number, number][]) : null,
    scoreDelta: a.score_delta,
    questionId: a.question_id,
    createdBy: a.created_by,
    version: a.version,
    createdAt: a.created_at,
    updatedAt: a.updated_at,
  };
}

export function scoreDto(s: { question_id: string; points: number; comment: string | null; version: number; updated_by: string; updated_at: string }): Score {
  return { questionId: s.question_id, points: s.points, comment: s.comment, version: s.version, updatedBy: s.updated_by, updatedAt: s.updated_at };
}

export async function leafIdsOf(ex: Executor, examId: string) {
  return new Set(leafQuestions(await listQuestions(ex, examId)).map((q) => q.id));
}

async function studentRef(ex: Executor, studentId: string | null) {
  if (!studentId) return null;
  const s = await findStudent(ex, studentId);
  return s ? { id: s.id, studentNumber: s.student_number, lastName: s.last_name, firstName: s.first_name, className: s.class_name } : null;
}

export async function copyDetail(ctx: AppContext, actor: Actor, copy: Copy, exam: Exam, access: CopyAccess | ExamAccess): Promise<CopyDetail> {
  const ex = ctx.db;
  const [pages, annotations, scores, marks, lease, questions, job, assignee, submitter] = await Promise.all([
    copies.listPages(ex, copy.id),
    listAnnotations(ex, copy.id),
    listScores(ex, copy.id),
    listUnscoredMarks(ex, copy.id),
    findLease(ex, copy.id),
    listQuestions(ex, copy.exam_id),
    latestJobFor(ex, copy.id, 'FLATTEN_COPY'),
    copy.assigned_to ? findUserById(ex, copy.assigned_to) : undefined,
    copy.locked_by ? findUserById(ex, copy.locked_by) : undefined,
  ]);
  const leaves = new Set(leafQuestions(questions).map((q) => q.id));
  const notScored = marks.filter((m) => leaves.has(m.question_id)).map((m) => m.question_id);
  const results = questionResults(questions, scores, new Set(notScored));
  const now = ctx.clock.now().toISOString();
  return {
    id: copy.id,
    examId: copy.exam_id,
    anonymousCode: copy.anonymous_code,
    status: copy.status,
    student: mayKnowStudent(actor, exam, access) ? await studentRef(ex, copy.student_id) : null,
    assignedTo: userRef(copy.assigned_to, assignee?.display_name),
    lock: lease && lease.expires_at > now ? { owner: { id: lease.owner_id, displayName: lease.owner_name }, expiresAt: lease.expires_at } : null,
    pageCount: pages.length,
    total: computeTotal(scores, leaves),
    finalScore: copy.final_score,
    flagged: copy.flagged,
    updatedAt: copy.updated_at,
    pages: pages.map((p) => ({
      position: p.position!,
      // a repaired copy shows another page (or a turned one) at a position: the URL changes with it, as browsers
      // keep page images as immutable
      imageUrl: `/api/v1/copies/${copy.id}/pages/${p.position}/image?p=${p.id}&r=${p.rotation}`,
      ...displaySize(p.width_px, p.height_px, p.rotation),
    })),
    annotations: annotations.map(annotationDto),
    scores: scores.map(scoreDto),
    notScored,
    subtotals: questions
      .filter((q) => !leaves.has(q.id))
      .map((q) => ({ questionId: q.id, points: results.get(q.id)!.points, notScored: results.get(q.id)!.notScored, leaves: results.get(q.id)!.leaves })),
    lockedBy: userRef(copy.locked_by, submitter?.display_name),
    gradedAt: copy.graded_at,
    gradingError: copy.grading_error,
    hasFinalPdf: copy.final_blob_id !== null,
    rowVersion: copy.row_version,
    job: job && actor.role !== 'STUDENT' ? { id: job.id, status: job.status, attempts: job.attempts, lastError: job.last_error } : null,
  };
}

export async function getCopy(ctx: AppContext, actor: Actor, id: string): Promise<CopyDetail> {
  const { copy, exam, access } = await loadCopyFor(ctx.db, actor, id);
  return copyDetail(ctx, actor, copy, exam, access);
}

export async function listExamCopies(
  ctx: AppContext,
  actor: Actor,
  examId: string,
  q: { status?: CopyStatus; assignedTo?: string; limit: number; cursor?: string },
): Promise<CopyPage> {
  requireRole(actor, 'ADMIN', 'TEACHER');
  const { exam, access } = await loadExamAccess(ctx.db, actor, examId);
  const rows = await copies.listCopies(ctx.db, {
    examId,
    status: q.status,
    assignedTo: q.assignedTo === 'none' ? null : q.assignedTo === 'me' ? actor.id : q.assignedTo,
    visibleToTeacher: access === 'corrector' ? actor.id : undefined,
    limit: q.limit,
    after: q.cursor,
  });
  const page = rows.slice(0, q.limit);
  const [leaves, scores] = await Promise.all([leafIdsOf(ctx.db, examId), scoresOfCopies(ctx.db, page.map((r) => r.id))]);
  const byCopy = new Map<string, typeof scores>();
  for (const s of scores) byCopy.set(s.copy_id, [...(byCopy.get(s.copy_id) ?? []), s]);
  const now = ctx.clock.now().toISOString();
  const showStudent = mayKnowStudent(actor, exam, access);
  return {
    items: page.map((r) => ({
      id: r.id,
      examId: r.exam_id,
      anonymousCode: r.anonymous_code,
      status: r.status,
      student:
        showStudent && r.student_id
          ? { id: r.student_id, studentNumber: r.student_number!, lastName: r.last_name!, firstName: r.first_name!, className: r.class_name ?? null }
          : null,
      assignedTo: userRef(r.assigned_to, r.assignee_name),
      lock:
        r.lock_owner_id && r.lock_expires_at && r.lock_expires_at > now
          ? { owner: { id: r.lock_owner_id, displayName: r.lock_owner_name ?? '' }, expiresAt: r.lock_expires_at }
          : null,
      pageCount: Number(r.page_count ?? 0),
      total: byCopy.has(r.id) ? computeTotal(byCopy.get(r.id)!, leaves) : null,
      finalScore: r.final_score,
      flagged: r.flagged,
      updatedAt: r.updated_at,
    })),
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.anonymous_code : null,
  };
}

/**
 * A page's image. `revalidate`: the header page's bytes depend on who asks (masked for correctors of an anonymous
 * exam), so a browser shared by an admin and a teacher must not reuse one's copy for the other.
 */
export async function pageImage(ctx: AppContext, actor: Actor, copyId: string, position: number) {
  const { exam, access } = await loadCopyFor(ctx.db, actor, copyId);
  const page = await copies.findPage(ctx.db, copyId, position);
  if (!page) throw notFound('Page');
  const revalidate = position === HEADER_PAGE;
  if (revalidate && correctorSeesMasked(exam, access)) return { ...(await maskedPageImage(ctx, page)), revalidate };
  return { ...page.image, revalidate };
}

/** A turned page: its JPEG with an orientation tag (the image data itself untouched). */
export async function turnedImage(ctx: AppContext, img: copies.PageImageRef) {
  const bytes = await ctx.blobs.read(img.storageKey, img.range);
  return img.contentType === 'image/jpeg' ? withOrientation(bytes, img.rotation as Rotation) : bytes;
}

export async function finalPdf(ctx: AppContext, actor: Actor, copyId: string) {
  const { blob, code } = actor.role === 'STUDENT' ? await studentFinalPdf(ctx, actor, copyId) : await staffFinalPdf(ctx, actor, copyId);
  if (!blob) throw notFound('Final PDF');
  return { storageKey: blob.storage_key, etag: `"${blob.sha256}"`, size: Number(blob.size), fileName: `${code}.pdf` };
}

// a student keeps the PDF they were given while their copy is being regraded
async function studentFinalPdf(ctx: AppContext, actor: Actor, copyId: string) {
  const { blobId, code } = await studentPdfBlobId(ctx.db, actor, copyId);
  if (!blobId) throw notFound('Final PDF');
  return { blob: await findBlob(ctx.db, blobId), code };
}

// a corrector of an anonymous exam gets the PDF with the header masked; admins the original
async function staffFinalPdf(ctx: AppContext, actor: Actor, copyId: string) {
  const { copy, exam, access } = await loadCopyFor(ctx.db, actor, copyId);
  if (!copy.final_blob_id) throw notFound('Final PDF');
  const blob = correctorSeesMasked(exam, access)
    ? await maskedFinalPdf(ctx, { ...copy, final_blob_id: copy.final_blob_id })
    : await findBlob(ctx.db, copy.final_blob_id);
  return { blob, code: copy.anonymous_code };
}

export async function copyEvents(ctx: AppContext, actor: Actor, copyId: string): Promise<GradingEventList> {
  requireRole(actor, 'ADMIN', 'TEACHER');
  const { exam } = await loadCopyFor(ctx.db, actor, copyId);
  const rows = await listEvents(ctx.db, copyId);
  const showStudent = mayKnowStudent(actor, exam);
  return {
    items: rows.map((e) => ({
      id: e.id,
      action: e.action,
      // a student acting on their copy (a regrade request) is named by their account: hidden like the roster name
      actor: showStudent || e.actor_role !== 'STUDENT' ? userRef(e.actor_id, e.actor_name) : null,
      metadata: showStudent ? (JSON.parse(e.metadata) as Record<string, unknown>) : withoutStudent(JSON.parse(e.metadata) as Record<string, unknown>),
      createdAt: e.created_at,
    })),
  };
}

/** Identification events name the student by id; an anonymous exam's corrector gets the event without it. */
function withoutStudent(metadata: Record<string, unknown>): Record<string, unknown> {
  const { studentId: _s, previousStudentId: _p, ...rest } = metadata;
  return rest;
}

export async function validateCopy(ctx: AppContext, actor: Actor, copyId: string): Promise<CopyStatusResponse> {
  const now = ctx.clock.now().toISOString();
  const row = await transaction(ctx.db, async (tx) => {
    const { exam } = await loadCopyToManage(tx, actor, copyId, 'update');
    const validated = await transition(tx, 'validate', copyId, { actorId: actor.id, now });
    if (exam.anonymous === 1) await enqueueHeaderMasks(tx, [copyId], now);
    return validated;
  });
  return { status: row.status };
}


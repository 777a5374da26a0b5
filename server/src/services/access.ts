import type { Executor } from '../db/database.ts';
import type { Copy, Exam } from '../db/schema.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import type { Actor, Role } from '../context.ts';
import { findExam, isCorrector, isOwner } from '../repositories/exam.repository.ts';
import { findCopyWithExam } from '../repositories/copy.repository.ts';
import { isStudentOfUser } from '../repositories/student.repository.ts';

export function requireRole(actor: Actor | null | undefined, ...roles: Role[]): Actor {
  if (!actor) throw new AppError('UNAUTHENTICATED', 401, 'Please log in');
  if (!roles.includes(actor.role)) throw forbidden();
  return actor;
}

/**
 * A caller's part in one exam. `manager`: runs it (scale, scans, identification, dispatch, release, exports) —
 * every admin, and the teacher who owns it (and on that exam only). `corrector`: grades it.
 */
export type ExamAccess = 'manager' | 'corrector';

/**
 * Admins see every exam; teachers the exams they own or correct; students none. A teacher asking for an exam
 * they have no part in gets 404, not 403: existence is not leaked.
 */
export async function loadExamAccess(ex: Executor, actor: Actor, examId: string): Promise<{ exam: Exam; access: ExamAccess }> {
  const exam = await findExam(ex, examId);
  if (!exam) throw notFound('Exam');
  if (actor.role === 'ADMIN') return { exam, access: 'manager' };
  if (actor.role === 'TEACHER') {
    if (await isOwner(ex, examId, actor.id)) return { exam, access: 'manager' };
    if (await isCorrector(ex, examId, actor.id)) return { exam, access: 'corrector' };
  }
  throw notFound('Exam');
}

export async function loadExamFor(ex: Executor, actor: Actor, examId: string): Promise<Exam> {
  return (await loadExamAccess(ex, actor, examId)).exam;
}

/**
 * The one gate of every exam-management operation: admins, and the exam's owner. A corrector of the exam gets
 * 403 (they know it exists); any other teacher 404; students 403 by role.
 */
export async function loadExamToManage(ex: Executor, actor: Actor, examId: string): Promise<Exam> {
  requireRole(actor, 'ADMIN', 'TEACHER');
  const { exam, access } = await loadExamAccess(ex, actor, examId);
  if (access !== 'manager') throw forbidden('Only an admin or the owner of this exam may do this');
  return exam;
}

/** `admin`: an admin, or the owner of the copy's exam — the same rights on that copy. */
export type CopyAccess = 'admin' | 'corrector' | 'student';

/**
 * Who may see a copy: admins and the owner of its exam; correctors of its exam when it is assigned to them or to
 * nobody and is past STAGING; its student once the exam is released and the copy is GRADED. Everyone else gets 404.
 */
export async function loadCopyFor(
  ex: Executor,
  actor: Actor,
  copyId: string,
  lock?: 'share' | 'update',
): Promise<{ copy: Copy; exam: Exam; access: CopyAccess }> {
  const found = await findCopyWithExam(ex, copyId, actor.id, lock);
  if (!found) throw notFound('Copy');
  const { copy, exam } = found;
  if (actor.role === 'ADMIN') return { copy, exam, access: 'admin' };
  if (actor.role === 'TEACHER') {
    if (found.isOwner) return { copy, exam, access: 'admin' };
    const visible =
      copy.status !== 'STAGING' &&
      copy.status !== 'MERGED' &&
      (copy.assigned_to === null || copy.assigned_to === actor.id) &&
      found.isCorrector;
    if (visible) return { copy, exam, access: 'corrector' };
    throw notFound('Copy');
  }
  if (copy.student_id && copy.status === 'GRADED' && exam.results_released_at) {
    if (await isStudentOfUser(ex, copy.student_id, actor.id)) return { copy, exam, access: 'student' };
  }
  throw notFound('Copy');
}

/** The copy-level twin of `loadExamToManage`: admins and the owner of the copy's exam; others as `loadCopyFor`. */
export async function loadCopyToManage(ex: Executor, actor: Actor, copyId: string, lock?: 'share' | 'update') {
  requireRole(actor, 'ADMIN', 'TEACHER');
  const found = await loadCopyFor(ex, actor, copyId, lock);
  if (found.access !== 'admin') throw forbidden('Only an admin or the owner of this exam may do this');
  return found;
}

/**
 * Teachers never receive student identity of copies they grade unless the exam is not anonymous, or they run the
 * exam (its owner identifies the copies, so knows the names anyway).
 */
export const mayKnowStudent = (actor: Actor, exam: Exam, access?: ExamAccess | CopyAccess) =>
  actor.role !== 'TEACHER' || exam.anonymous === 0 || access === 'manager' || access === 'admin';

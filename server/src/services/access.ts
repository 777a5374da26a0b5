import type { Executor } from '../db/database.ts';
import type { Copy, Exam } from '../db/schema.ts';
import { AppError, forbidden, notFound } from '../errors.ts';
import type { Actor, Role } from '../context.ts';
import { findExam, isCorrector } from '../repositories/exam.repository.ts';
import { findCopyWithExam } from '../repositories/copy.repository.ts';

export function requireRole(actor: Actor | null | undefined, ...roles: Role[]): Actor {
  if (!actor) throw new AppError('UNAUTHENTICATED', 401, 'Please log in');
  if (!roles.includes(actor.role)) throw forbidden();
  return actor;
}

/**
 * Admins see every exam; teachers only the exams they correct; students none. A teacher asking for an exam
 * they do not correct gets 404, not 403: existence is not leaked.
 */
export async function loadExamFor(ex: Executor, actor: Actor, examId: string): Promise<Exam> {
  const exam = await findExam(ex, examId);
  if (!exam) throw notFound('Exam');
  if (actor.role === 'ADMIN') return exam;
  if (actor.role === 'TEACHER' && (await isCorrector(ex, examId, actor.id))) return exam;
  throw notFound('Exam');
}

export type CopyAccess = 'admin' | 'corrector' | 'student';

/**
 * Who may see a copy: admins; correctors of its exam when it is assigned to them or to nobody and is past
 * STAGING; its student once the exam is released and the copy is GRADED. Everyone else gets 404.
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
    const visible =
      copy.status !== 'STAGING' &&
      copy.status !== 'MERGED' &&
      (copy.assigned_to === null || copy.assigned_to === actor.id) &&
      found.isCorrector;
    if (visible) return { copy, exam, access: 'corrector' };
    throw notFound('Copy');
  }
  if (copy.student_id && copy.status === 'GRADED' && exam.results_released_at) {
    const own = await ex
      .selectFrom('students')
      .select('id')
      .where('id', '=', copy.student_id)
      .where('user_id', '=', actor.id)
      .executeTakeFirst();
    if (own) return { copy, exam, access: 'student' };
  }
  throw notFound('Copy');
}

/** Teachers never receive student identity of copies they grade unless the exam is not anonymous. */
export const mayKnowStudent = (actor: Actor, exam: Exam) => actor.role !== 'TEACHER' || exam.anonymous === 0;


/**
 * Identification desk: which copy belongs to which student. One student owns at most one copy of an exam; the
 * database's UNIQUE (exam_id, student_id) is the guard, so two desks identifying two copies to the same student
 * at the same moment end with exactly one winner and one 409.
 */
import type { AppContext, Actor } from '../context.ts';
import type { IdentificationList, IdentifyResponse } from '@korrigo/contracts';
import type { CopyStatus } from '../db/schema.ts';
import { AppError, invalidState, notFound } from '../errors.ts';
import { findCopy, updateCopyFields } from '../repositories/copy.repository.ts';
import { insertEvent } from '../repositories/event.repository.ts';
import { findStudent } from '../repositories/student.repository.ts';
import * as ident from '../repositories/identification.repository.ts';
import { clearAttendance } from '../repositories/attendance.repository.ts';
import { loadCopyToManage, loadExamToManage } from './access.ts';
import { isUniqueViolation } from '../db/errors.ts';

const IDENTIFIABLE: CopyStatus[] = ['STAGING', 'READY', 'LOCKED', 'GRADING_IN_PROGRESS', 'GRADED', 'GRADING_FAILED'];
/** The part of page 1 where students write their name, as fractions of the page (the desk shows it large). */
export const HEADER_CROP = { x: 0, y: 0, w: 1, h: 0.3 };

const studentRef = (s: { id: string; student_number: string; last_name: string; first_name: string; class_name: string | null }) => ({
  id: s.id,
  studentNumber: s.student_number,
  lastName: s.last_name,
  firstName: s.first_name,
  className: s.class_name,
});

function isExamStudentViolation(err: unknown): boolean {
  if (!isUniqueViolation(err)) return false;
  const e = err as { constraint?: string; message?: string };
  return e.constraint === 'copies_exam_student' || /copies\.exam_id, copies\.student_id/.test(e.message ?? '');
}

export async function identifyCopy(ctx: AppContext, actor: Actor, copyId: string, studentId: string): Promise<IdentifyResponse> {
  const now = ctx.clock.now().toISOString();
  try {
    return await ctx.db.transaction().execute(async (tx) => {
      const { copy } = await loadCopyToManage(tx, actor, copyId, 'update');
      if (!IDENTIFIABLE.includes(copy.status)) throw invalidState(copy.status, 'A merged copy is identified through the copy it was merged into');
      const student = await findStudent(tx, studentId);
      if (!student) throw notFound('Student');
      if (copy.student_id !== studentId) {
        const row = await updateCopyFields(tx, copyId, { student_id: studentId, updated_at: now }, IDENTIFIABLE);
        if (!row) throw invalidState(copy.status);
        // the student sat the exam after all: a status set before (absent, excused…) no longer applies
        const clearedAttendance = await clearAttendance(tx, copy.exam_id, studentId);
        await insertEvent(tx, { copyId, action: 'IDENTIFIED', actorId: actor.id, at: now, metadata: { studentId, previousStudentId: copy.student_id, ...(clearedAttendance ? { clearedAttendance } : {}) } });
      }
      return { copyId, student: studentRef(student) };
    });
  } catch (err) {
    if (!isExamStudentViolation(err)) throw err;
    const copy = await findCopy(ctx.db, copyId);
    const other = copy ? await ident.copyOfStudentInExam(ctx.db, copy.exam_id, studentId) : undefined;
    const which = other ? `copy ${other.anonymous_code}` : 'another copy';
    throw new AppError('STUDENT_ALREADY_HAS_COPY', 409, `This student already has ${which} in this exam: un-identify it first`, {
      otherCopy: other ? { id: other.id, anonymousCode: other.anonymous_code } : null,
    });
  }
}

export async function unidentifyCopy(ctx: AppContext, actor: Actor, copyId: string): Promise<IdentifyResponse> {
  const now = ctx.clock.now().toISOString();
  return ctx.db.transaction().execute(async (tx) => {
    const { copy } = await loadCopyToManage(tx, actor, copyId, 'update');
    if (copy.student_id !== null) {
      const row = await updateCopyFields(tx, copyId, { student_id: null, updated_at: now }, IDENTIFIABLE);
      if (!row) throw invalidState(copy.status);
      await insertEvent(tx, { copyId, action: 'UNIDENTIFIED', actorId: actor.id, at: now, metadata: { previousStudentId: copy.student_id } });
    }
    return { copyId, student: null };
  });
}

export async function identificationQueue(
  ctx: AppContext,
  actor: Actor,
  examId: string,
  q: { filter: 'unidentified' | 'identified' | 'all'; limit: number; cursor?: string },
): Promise<IdentificationList> {
  await loadExamToManage(ctx.db, actor, examId);
  const [rows, counts] = await Promise.all([
    ident.listForIdentification(ctx.db, { examId, filter: q.filter, limit: q.limit, after: q.cursor }),
    ident.identificationCounts(ctx.db, examId),
  ]);
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((r) => ({
      id: r.id,
      anonymousCode: r.anonymous_code,
      status: r.status,
      pageCount: Number(r.page_count ?? 0),
      headerImageUrl: Number(r.page_count ?? 0) > 0 ? `/api/v1/copies/${r.id}/pages/0/image?p=${r.first_page_id}&r=${r.first_page_rotation}` : null,
      student: r.student_id
        ? studentRef({ id: r.student_id, student_number: r.student_number!, last_name: r.last_name!, first_name: r.first_name!, class_name: r.class_name })
        : null,
    })),
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.anonymous_code : null,
    counts,
    headerCrop: HEADER_CROP,
  };
}

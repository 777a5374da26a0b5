/**
 * Attendance per exam: which students of the roster sat it. PRESENT is derived (the student has a copy); the
 * exam's managers mark the others ABSENT, EXCUSED or EXEMPT, from the identification desk or the roster view.
 * A copy always wins: identifying a copy to a student clears their status, and every reader ignores a status
 * beside a copy, so a desk marking a student absent while another identifies their copy cannot leave a
 * student counted twice.
 */
import type { AppContext, Actor } from '../context.ts';
import type { AttendanceList, SetAttendanceResponse } from '@korrigo/contracts';
import type { AttendanceStatus } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import * as attendance from '../repositories/attendance.repository.ts';
import { findStudent } from '../repositories/student.repository.ts';
import { loadExamToManage } from './access.ts';
import { audit } from './audit.service.ts';

export async function listAttendance(ctx: AppContext, actor: Actor, examId: string, q: { class?: string }): Promise<AttendanceList> {
  await loadExamToManage(ctx.db, actor, examId);
  const asked = (q.class ?? '').split(',').map((c) => c.trim()).filter(Boolean);
  const classes = [...new Set([...(await attendance.classesOfExam(ctx.db, examId)), ...asked])].sort();
  const rows = await attendance.rosterOfExam(ctx.db, examId, classes);
  const counts = { present: 0, absent: 0, excused: 0, exempt: 0, unknown: 0 };
  const items = rows.map((r) => {
    const status: AttendanceStatus | 'PRESENT' | null = r.copy_id ? 'PRESENT' : r.status;
    if (status) counts[status.toLowerCase() as keyof typeof counts]++;
    else counts.unknown++;
    return {
      student: { id: r.id, studentNumber: r.student_number, lastName: r.last_name, firstName: r.first_name, className: r.class_name },
      status,
      copy: r.copy_id ? { id: r.copy_id, anonymousCode: r.anonymous_code! } : null,
      updatedBy: !r.copy_id && r.updated_by_id ? { id: r.updated_by_id, displayName: r.updated_by_name ?? '' } : null,
      updatedAt: !r.copy_id ? (r.updated_at ?? null) : null,
    };
  });
  return { items, counts, classes };
}

export async function setAttendance(ctx: AppContext, actor: Actor, examId: string, studentId: string, status: AttendanceStatus | null): Promise<SetAttendanceResponse> {
  const now = ctx.clock.now().toISOString();
  return ctx.db.transaction().execute(async (tx) => {
    await loadExamToManage(tx, actor, examId);
    if (!(await findStudent(tx, studentId))) throw notFound('Student');
    const copy = await attendance.findCopyOfStudent(tx, examId, studentId);
    if (copy) {
      throw new AppError('STUDENT_ALREADY_HAS_COPY', 409, `This student has copy ${copy.anonymous_code}: they were present (un-identify the copy first)`, {
        otherCopy: { id: copy.id, anonymousCode: copy.anonymous_code },
      });
    }
    const previous = await attendance.clearAttendance(tx, examId, studentId);
    if (status) await attendance.upsertAttendance(tx, { exam_id: examId, student_id: studentId, status, updated_by: actor.id, updated_at: now });
    if (previous !== status) await audit(tx, actor, 'ATTENDANCE_SET', 'exam', examId, { studentId, status, previous }, now);
    return { studentId, status };
  });
}

/** For exports and statistics: the students of the exam with a status and no copy. */
export const absences = (ctx: AppContext, examId: string) => attendance.statusesWithoutCopy(ctx.db, examId);

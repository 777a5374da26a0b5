import { z } from 'zod';
import { Id, IsoTime, UserRef } from './common.schema.ts';
import { StudentRef } from './copy.schema.ts';

/**
 * A student's attendance at one exam. PRESENT is never set by hand: it means the student has a copy (a copy
 * always wins over a status set earlier). The others are for students without a copy: ABSENT, EXCUSED (an
 * excused absence, "ABJ"), EXEMPT (dispensé, "DISP").
 */
export const AttendanceStatus = z.enum(['PRESENT', 'ABSENT', 'EXCUSED', 'EXEMPT']);
export type AttendanceStatus = z.infer<typeof AttendanceStatus>;
export const SettableAttendance = z.enum(['ABSENT', 'EXCUSED', 'EXEMPT']);

export const AttendanceQuery = z.object({
  /** adds every student of these classes (comma-separated) to the roster, besides the classes already seen in the exam */
  class: z.string().trim().max(500).optional(),
});
export const AttendanceCounts = z.object({
  present: z.number().int(),
  absent: z.number().int(),
  excused: z.number().int(),
  exempt: z.number().int(),
  /** on the roster, with neither a copy nor a status */
  unknown: z.number().int(),
});
export const AttendanceEntry = z.object({
  student: StudentRef,
  /** null: no copy and no status yet */
  status: AttendanceStatus.nullable(),
  copy: z.object({ id: Id, anonymousCode: z.string() }).nullable(),
  updatedBy: UserRef.nullable(),
  updatedAt: IsoTime.nullable(),
});
export const AttendanceList = z.object({
  items: z.array(AttendanceEntry),
  counts: AttendanceCounts,
  /** the classes the roster covers */
  classes: z.array(z.string()),
});
export type AttendanceList = z.infer<typeof AttendanceList>;

export const SetAttendanceBody = z.object({ status: SettableAttendance.nullable() });
export const SetAttendanceResponse = z.object({ studentId: Id, status: AttendanceStatus.nullable() });
export type SetAttendanceResponse = z.infer<typeof SetAttendanceResponse>;
export type AttendanceEntry = z.infer<typeof AttendanceEntry>;

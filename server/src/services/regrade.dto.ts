/** A regrade request as the API shows it; its own module, so that the portal and the regrade service share it without importing each other. */
import type { RegradeRow } from '../repositories/regrade.repository.ts';

/**
 * `showStudent`: the caller may know who the student is (admins; teachers of a non-anonymous exam). The
 * anonymous code is always there, the name only then — the two are separate fields, never one in place of the other.
 */
export function regradeDto(r: RegradeRow, showStudent: boolean) {
  return {
    id: r.id,
    copyId: r.copy_id,
    anonymousCode: r.anonymous_code,
    question: { id: r.question_id, label: r.question_label },
    message: r.message,
    status: r.status,
    decision: r.decision,
    answer: r.answer,
    answeredBy: r.answered_by ? { id: r.answered_by, displayName: r.answerer_name ?? '' } : null,
    answeredAt: r.answered_at,
    createdAt: r.created_at,
    corrector: r.assigned_to ? { id: r.assigned_to, displayName: r.corrector_name ?? '' } : null,
    student:
      showStudent && r.student_id && r.student_number
        ? { id: r.student_id, studentNumber: r.student_number, lastName: r.last_name!, firstName: r.first_name!, className: r.class_name }
        : null,
  };
}

/**
 * The students' portal: a student's own results, only for GRADED copies of released exams (the same rule as
 * `loadCopyFor`, which guards the copy page and its final PDF). Totals come from `computeTotal`.
 */
import type { AppContext, Actor } from '../context.ts';
import { listQuestions } from '../repositories/exam.repository.ts';
import { listScores, listUnscoredMarks } from '../repositories/score.repository.ts';
import { findStudentByUser } from '../repositories/student.repository.ts';
import { releasedGradedCopiesOf } from '../repositories/portal.repository.ts';
import { listRegradesOfCopies } from '../repositories/regrade.repository.ts';
import { requireRole } from './access.ts';
import { computeMaxTotal, computeTotal, leafQuestions, questionResults } from './total.ts';
import { regradeDto } from './regrade.service.ts';

export async function myCopies(ctx: AppContext, actor: Actor) {
  requireRole(actor, 'STUDENT');
  const student = await findStudentByUser(ctx.db, actor.id);
  if (!student) return { items: [] };
  const copies = await releasedGradedCopiesOf(ctx.db, student.id);
  const requests = await listRegradesOfCopies(ctx.db, copies.map((c) => c.id));
  const items = await Promise.all(
    copies.map(async (c) => {
      const [questions, scores, marks] = await Promise.all([listQuestions(ctx.db, c.exam_id), listScores(ctx.db, c.id), listUnscoredMarks(ctx.db, c.id)]);
      const leaves = leafQuestions(questions);
      const leafIds = new Set(leaves.map((q) => q.id));
      const byQuestion = new Map(scores.map((s) => [s.question_id, s]));
      const marked = new Set(marks.map((m) => m.question_id).filter((id) => leafIds.has(id)));
      const results = questionResults(questions, scores, marked);
      return {
        id: c.id,
        exam: { id: c.exam_id, title: c.title, examDate: c.exam_date },
        status: c.status,
        total: computeTotal(scores, leafIds),
        maxTotal: computeMaxTotal(questions),
        gradedAt: c.graded_at,
        releasedAt: c.results_released_at!,
        finalPdfUrl: `/api/v1/copies/${c.id}/final.pdf`,
        questions: questions.map((q) => ({
          id: q.id,
          parentId: q.parent_id,
          label: q.label,
          maxPoints: q.max_points,
          isLeaf: leafIds.has(q.id),
          points: results.get(q.id)?.points ?? 0,
          notScored: !!results.get(q.id) && results.get(q.id)!.notScored === results.get(q.id)!.leaves,
          comment: byQuestion.get(q.id)?.comment ?? null,
        })),
        notScored: leaves.filter((q) => marked.has(q.id)).map((q) => q.label),
        regradeRequests: requests.filter((r) => r.copy_id === c.id).map((r) => regradeDto(r, false)),
      };
    }),
  );
  return { items };
}

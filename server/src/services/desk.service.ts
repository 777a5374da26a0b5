/**
 * The grading desk's first request (issue 15): the copy, its exam and the copies the desk steps through, in one
 * answer, so that opening a copy is one round trip before its first page image instead of three in a row.
 */
import type { AppContext, Actor } from '../context.ts';
import { loadCopyFor, requireRole } from './access.ts';
import { copyDetail, listExamCopies } from './copy.service.ts';
import { getExam } from './exam.service.ts';

const PAGE = 500;

export async function deskBundle(ctx: AppContext, actor: Actor, copyId: string) {
  requireRole(actor, 'ADMIN', 'TEACHER');
  const { copy, exam, access } = await loadCopyFor(ctx.db, actor, copyId);
  const [detail, examDto, siblings] = await Promise.all([
    copyDetail(ctx, actor, copy, exam, access),
    getExam(ctx, actor, copy.exam_id),
    deskSiblings(ctx, actor, copy.exam_id),
  ]);
  return { copy: detail, exam: examDto, siblings };
}

/** As the desk listed them itself: a teacher the copies assigned to them, an admin every copy; never MERGED ones. */
async function deskSiblings(ctx: AppContext, actor: Actor, examId: string) {
  const out: Awaited<ReturnType<typeof listExamCopies>>['items'] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await listExamCopies(ctx, actor, examId, { assignedTo: actor.role === 'TEACHER' ? 'me' : undefined, limit: PAGE, cursor });
    out.push(...page.items.filter((c) => c.status !== 'MERGED'));
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
}

/**
 * Releasing results: while `exams.results_released_at` is set, each identified student sees their own GRADED
 * copy (access.ts `loadCopyFor`, the portal). Unrelease hides everything again; both are audited.
 */
import type { AppContext, Actor } from '../context.ts';
import type { Exam } from '@korrigo/contracts';
import { findExam } from '../repositories/exam.repository.ts';
import { setReleased } from '../repositories/release.repository.ts';
import { loadExamToManage } from './access.ts';
import { audit } from './audit.service.ts';
import { examDto } from './exam.service.ts';

export async function setRelease(ctx: AppContext, actor: Actor, examId: string, released: boolean): Promise<Exam> {
  const now = ctx.clock.now().toISOString();
  await ctx.db.transaction().execute(async (tx) => {
    await loadExamToManage(tx, actor, examId);
    // releasing twice keeps the first release time; nothing to audit when nothing changed
    if (await setReleased(tx, examId, released ? now : null, now)) {
      await audit(tx, actor, released ? 'RESULTS_RELEASED' : 'RESULTS_UNRELEASED', 'exam', examId, {}, now);
    }
  });
  return examDto(ctx.db, (await findExam(ctx.db, examId))!);
}

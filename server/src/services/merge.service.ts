/**
 * Staple (`POST /exams/:id/copies/merge`): booklets of one student scanned apart (a remainder of a batch, an extra
 * sheet) become one copy before validation. The first copy keeps its id and receives every page, renumbered in the
 * given order; the others go STAGING → MERGED through the state machine, all in one transaction. The first copy's
 * own pages stay first, on the same positions, so the page-image URLs browsers cache as immutable keep their image.
 */
import type { AppContext, Actor } from '../context.ts';
import type { MergeCopiesResponse } from '@korrigo/contracts';
import { invalidState, notFound, validation } from '../errors.ts';
import { findCopy, updateCopyFields } from '../repositories/copy.repository.ts';
import { insertEvent } from '../repositories/event.repository.ts';
import { lockCopies, restackPages } from '../repositories/merge.repository.ts';
import { loadExamToManage } from './access.ts';
import { audit } from './audit.service.ts';
import { copyDetail } from './copy.service.ts';
import { transition } from './copy-state-machine.ts';

export async function mergeCopies(ctx: AppContext, actor: Actor, examId: string, copyIds: string[]): Promise<MergeCopiesResponse> {
  const exam = await loadExamToManage(ctx.db, actor, examId);
  const [targetId, ...sourceIds] = copyIds;
  if (!targetId || sourceIds.length === 0) throw validation('Choose at least two copies to staple together');
  if (new Set(copyIds).size !== copyIds.length) throw validation('A copy appears twice in the list');
  const now = ctx.clock.now().toISOString();

  await ctx.db.transaction().execute(async (tx) => {
    const rows = new Map((await lockCopies(tx, copyIds)).map((c) => [c.id, c]));
    for (const id of copyIds) {
      const c = rows.get(id);
      if (!c) throw notFound('Copy');
      if (c.exam_id !== examId) throw validation(`Copy ${c.anonymous_code} belongs to another exam`);
    }
    const notStaging = copyIds.map((id) => rows.get(id)!).find((c) => c.status !== 'STAGING');
    if (notStaging) throw invalidState(notStaging.status, `Copy ${notStaging.anonymous_code} is ${notStaging.status}: only copies still in staging can be stapled`);
    const students = new Set(copyIds.map((id) => rows.get(id)!.student_id).filter((s): s is string => s !== null));
    if (students.size > 1) throw validation('These copies are identified as different students');
    const [studentId] = students;

    // each source is one conditional transition (a copy validated meanwhile makes the whole merge 409)
    for (const id of sourceIds) {
      await transition(tx, 'merge', id, { actorId: actor.id, now, metadata: { into: targetId } }, { into: targetId });
      // the identity moves with the pages (UNIQUE(exam_id, student_id) allows it on one copy only)
      if (rows.get(id)!.student_id) await updateCopyFields(tx, id, { student_id: null, updated_at: now });
    }
    const pageCount = await restackPages(tx, targetId, copyIds);
    const flagged = pageCount < exam.pages_per_copy ? `incomplete: ${pageCount} of ${exam.pages_per_copy} pages` : null;
    // conditional on the target still being in staging; bumps its row_version
    const target = await updateCopyFields(tx, targetId, { flagged, student_id: studentId ?? null, updated_at: now }, ['STAGING']);
    if (!target) throw invalidState((await findCopy(tx, targetId))?.status ?? null);
    await insertEvent(tx, { copyId: targetId, action: 'MERGED', actorId: actor.id, at: now, metadata: { merged: sourceIds, pageCount } });
    await audit(tx, actor, 'COPIES_MERGED', 'copy', targetId, { examId, merged: sourceIds, pageCount }, now);
  });
  const copy = (await findCopy(ctx.db, targetId))!;
  return { copy: await copyDetail(ctx, actor, copy, exam, 'manager') };
}

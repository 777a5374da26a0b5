import { appliedByQuestion, commentWithItems } from '../services/rubric/rubric-summary.ts';
import type { JobHandler } from './types.ts';
import { findCopy, listPagesWithBlobs } from '../repositories/copy.repository.ts';
import { findExam, listQuestions } from '../repositories/exam.repository.ts';
import { listAnnotations } from '../repositories/annotation.repository.ts';
import { listScores, listUnscoredMarks } from '../repositories/score.repository.ts';
import { insertBlob } from '../repositories/blob.repository.ts';
import { transition } from '../services/copy-state-machine.ts';
import { computeMaxTotal, computeTotal, leafQuestions } from '../services/total.ts';
import { newId } from '../ids.ts';
import { metrics } from '../observability/metrics.ts';
import type { FlattenInput } from '../pdf/types.ts';
import type { AppContext } from '../context.ts';
import type { Copy } from '../db/schema.ts';

/**
 * Renders the final PDF of a copy OUTSIDE any transaction, stores it, then in one short transaction marks the
 * copy GRADED — conditional on it still being GRADING_IN_PROGRESS. Idempotent: a copy that is no longer in
 * progress is left alone; a PDF rendered by a run that then loses is an orphan file for the sweeper.
 */
export const flattenCopyJob: JobHandler<'FLATTEN_COPY'> = {
  kind: 'FLATTEN_COPY',
  async run(ctx, { copyId }) {
    const copy = await findCopy(ctx.db, copyId);
    if (!copy || copy.status !== 'GRADING_IN_PROGRESS') return;
    const input = await buildFlattenInput(ctx, copy);
    const pdf = await ctx.renderer.render(input);
    const file = await ctx.blobs.put(pdf, 'application/pdf');
    const now = ctx.clock.now().toISOString();
    await ctx.db.transaction().execute(async (tx) => {
      await insertBlob(tx, file, now);
      await tx.insertInto('final_pdfs').values({ id: newId(), copy_id: copyId, blob_id: file.id, final_score: input.total, created_at: now }).execute();
      await transition(tx, 'finalizeOk', copyId, { actorId: null, now, metadata: { blobId: file.id, finalScore: input.total, bytes: file.size } }, {
        blobId: file.id,
        finalScore: input.total,
      });
    });
  },
  async onGiveUp(ctx, { copyId }, error, tx) {
    const copy = await findCopy(tx, copyId);
    if (copy?.status !== 'GRADING_IN_PROGRESS') return;
    await transition(tx, 'finalizeFailed', copyId, { actorId: null, now: ctx.clock.now().toISOString() }, { error });
    metrics.finalizeFailures.inc();
  },
};

export async function buildFlattenInput(ctx: AppContext, copy: Copy): Promise<FlattenInput> {
  const copyId = copy.id;
  const [exam, pages, annotations, scores, marks, questions] = await Promise.all([
    findExam(ctx.db, copy.exam_id),
    listPagesWithBlobs(ctx.db, copyId),
    listAnnotations(ctx.db, copyId),
    listScores(ctx.db, copyId),
    listUnscoredMarks(ctx.db, copyId),
    listQuestions(ctx.db, copy.exam_id),
  ]);
  const student = copy.student_id
    ? await ctx.db.selectFrom('students').select(['first_name', 'last_name']).where('id', '=', copy.student_id).executeTakeFirst()
    : undefined;
  const images = await Promise.all(
    pages.map(async (p) => {
      return {
        bytes: new Uint8Array(await ctx.blobs.read(p.image.storageKey, p.image.range)),
        contentType: p.image.contentType as 'image/jpeg',
        widthPx: p.width_px,
        heightPx: p.height_px,
        rotation: p.rotation as 0 | 90 | 180 | 270,
      };
    }),
  );
  const leaves = new Set(leafQuestions(questions).map((q) => q.id));
  const rubric = await appliedByQuestion(ctx.db, copyId);
  const decimal = ctx.config.documentLanguage === 'fr' ? ',' : '.';
  return {
    examTitle: exam!.title,
    copyCode: copy.anonymous_code,
    studentName: student ? `${student.first_name} ${student.last_name}` : null,
    pages: images,
    annotations: annotations.map((a) => ({
      pagePosition: a.page_position,
      x: a.x,
      y: a.y,
      w: a.w,
      h: a.h,
      type: a.type,
      content: a.content,
      scoreDelta: a.score_delta,
      points: a.points ? (JSON.parse(a.points) as [number, number][]) : null,
    })),
    questions: questions.map((q) => ({ id: q.id, parentId: q.parent_id, label: q.label, maxPoints: q.max_points })),
    // the summary lists each question's applied rubric items with their comments (issue 13)
    scores: scores
      .filter((s) => leaves.has(s.question_id))
      .map((s) => ({ questionId: s.question_id, points: s.points, comment: commentWithItems(s.comment, rubric.get(s.question_id), decimal) })),
    notScored: marks.filter((m) => leaves.has(m.question_id)).map((m) => m.question_id),
    total: computeTotal(scores, leaves),
    maxTotal: computeMaxTotal(questions),
    language: ctx.config.documentLanguage,
  };
}

/**
 * Printed papers (issue 17): the booklets an exam office prints, and the question paper printed behind them.
 *
 * A paper is persisted before its PDF is made (`papers`: exam, number → student or anonymous), so that its codes
 * name the paper for ever: printing again gives the same numbers (a student keeps their paper; the first N
 * anonymous papers are reused), hence the same bytes. The PDF is made on a PDF thread, from what the database said.
 */
import type { PapersQuery } from '@korrigo/contracts';
import type { AppContext, Actor } from '../context.ts';
import type { Executor } from '../db/database.ts';
import type { Exam, PapersTable } from '../db/schema.ts';
import { AppError, invalidPdf, validation } from '../errors.ts';
import { newId } from '../ids.ts';
import type { PaperBooklet } from '../pdf/papers.ts';
import { insertBlob } from '../repositories/blob.repository.ts';
import * as repo from '../repositories/paper.repository.ts';
import { loadExamToManage } from './access.ts';
import { audit } from './audit.service.ts';
import { isUniqueViolation } from '../db/errors.ts';

/** The most pages one request prints: 500 booklets of 10 pages, a whole year group, stays one bounded task. */
const MAX_PRINTED_PAGES = 5000;
const MAX_QUESTION_PAPER_BYTES = 50 * 1024 * 1024;

export async function printPapers(ctx: AppContext, actor: Actor, examId: string, q: PapersQuery): Promise<{ pdf: Uint8Array; fileName: string }> {
  const exam = await loadExamToManage(ctx.db, actor, examId);
  const pages = q.pages ?? exam.pages_per_copy;
  const booklets = await reservePapers(ctx, actor, exam, q, pages);
  if (booklets.length * (pages + 1) > MAX_PRINTED_PAGES) {
    throw validation(`That is ${booklets.length * (pages + 1)} pages; print at most ${MAX_PRINTED_PAGES} at once (fewer booklets or pages).`);
  }
  const qp = await repo.findQuestionPaper(ctx.db, examId);
  const background = qp ? new Uint8Array(await ctx.blobs.read(qp.storage_key)) : null;
  const pdf = await ctx.pdf.renderPapers({ examId, examTitle: exam.title, booklets, pages, background, language: q.lang ?? 'fr' });
  const what = q.class !== undefined ? q.class : `${q.count}`;
  return { pdf, fileName: `papers-${exam.title}-${what}.pdf`.replace(/[^\w.-]+/g, '_') };
}

/**
 * The papers to print, created where missing, in one transaction (retried when a concurrent print took the same
 * numbers). Named: every student of the class, in roster order, each with their own paper. Anonymous: the exam's
 * first `count` anonymous papers.
 */
async function reservePapers(ctx: AppContext, actor: Actor, exam: Exam, q: PapersQuery, pages: number): Promise<PaperBooklet[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.db.transaction().execute(async (tx) => {
        const now = ctx.clock.now().toISOString();
        const existing = await repo.papersOfExam(tx, exam.id);
        let next = existing.reduce((m, p) => Math.max(m, p.number), 0) + 1;
        const create: PapersTable[] = [];
        const make = (studentId: string | null): PapersTable => {
          const row = { id: newId(), exam_id: exam.id, number: next++, student_id: studentId, pages, copy_id: null, created_at: now };
          create.push(row);
          return row;
        };
        let chosen: Array<{ paper: PapersTable; name: string | null; className: string | null }>;
        if (q.class !== undefined) {
          const students = await repo.studentsOfClass(tx, q.class);
          if (students.length === 0) throw new AppError('NOT_FOUND', 404, `No student of the roster is in class "${q.class}"`);
          const byStudent = new Map(existing.filter((p) => p.student_id).map((p) => [p.student_id!, p]));
          chosen = students.map((s) => ({
            paper: byStudent.get(s.id) ?? make(s.id),
            name: `${s.last_name.toUpperCase()} ${s.first_name}`.trim(),
            className: s.class_name,
          }));
        } else {
          const anonymous = existing.filter((p) => p.student_id === null).slice(0, q.count);
          while (anonymous.length < q.count!) anonymous.push(make(null));
          chosen = anonymous.map((paper) => ({ paper, name: null, className: null }));
        }
        await repo.insertPapers(tx, create);
        for (const c of chosen) if (c.paper.pages !== pages && !create.includes(c.paper)) await repo.setPaperPages(tx, c.paper.id, pages);
        await audit(tx, actor, 'PAPERS_PRINTED', 'exam', exam.id, {
          className: q.class ?? null,
          count: chosen.length,
          created: create.length,
          pages,
          papers: [chosen[0]?.paper.number ?? null, chosen[chosen.length - 1]?.paper.number ?? null],
        }, now);
        return chosen.map((c) => ({ paper: c.paper.number, studentName: c.name, className: c.className }));
      });
    } catch (err) {
      if (attempt < 3 && isUniqueViolation(err)) continue;
      throw err;
    }
  }
}

export async function questionPaperInfo(ctx: AppContext, actor: Actor, examId: string) {
  await loadExamToManage(ctx.db, actor, examId);
  return questionPaperDto(await repo.findQuestionPaper(ctx.db, examId));
}

const questionPaperDto = (qp: Awaited<ReturnType<typeof repo.findQuestionPaper>>) => ({
  questionPaper: qp ? { pageCount: qp.page_count, size: Number(qp.size), uploadedAt: new Date(qp.created_at).toISOString() } : null,
});

/** Stores the question paper (a PDF) printed behind the answer pages; replaces the previous one. */
export async function putQuestionPaper(ctx: AppContext, actor: Actor, examId: string, body: AsyncIterable<Uint8Array> | null, declaredBytes?: number) {
  await loadExamToManage(ctx.db, actor, examId);
  if (!body) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 415, 'Send the question paper as application/pdf.');
  const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', 413, `The question paper is larger than ${MAX_QUESTION_PAPER_BYTES / (1024 * 1024)} MB.`);
  if (declaredBytes !== undefined && declaredBytes > MAX_QUESTION_PAPER_BYTES) throw tooLarge();
  const { file, checked: pageCount } = await ctx.blobs.putStream(body, 'application/pdf', {
    maxBytes: MAX_QUESTION_PAPER_BYTES,
    onTooLarge: tooLarge,
    expectedBytes: declaredBytes,
    check: async (bytes) => {
      if (!(bytes[0] === 0x25 && bytes[1] === 0x50 && bytes[2] === 0x44 && bytes[3] === 0x46)) throw invalidPdf('The question paper is not a PDF.');
      const n = await ctx.pdf.countPdfPages(bytes).catch(() => {
        throw invalidPdf('The question paper could not be read (damaged or password-protected PDF). Export it again.');
      });
      if (n < 1) throw invalidPdf('The question paper has no page.');
      return n;
    },
  });
  const now = ctx.clock.now().toISOString();
  await ctx.db.transaction().execute(async (tx: Executor) => {
    await insertBlob(tx, file, now);
    await repo.upsertQuestionPaper(tx, { exam_id: examId, blob_id: file.id, page_count: pageCount, uploaded_by: actor.id, created_at: now });
    await audit(tx, actor, 'QUESTION_PAPER_UPLOADED', 'exam', examId, { blobId: file.id, pageCount, bytes: file.size }, now);
  });
  return questionPaperDto(await repo.findQuestionPaper(ctx.db, examId));
}

/**
 * Reading printed papers at ingest (issue 17). Each scanned page of an exam that has printed papers is searched
 * for its code (pdf/codes.ts, on the PDF threads, the page's JPEG decoded once). Pages whose code names a paper of
 * this exam are grouped by paper into copies, ordered by page number, turned upright from the code's orientation,
 * and the copy is identified from the paper's student; a paper's pages scanned in several uploads join the copy
 * of its first (the paper remembers its copy). Pages without a code are left to the usual split (upload.service).
 *
 * Nothing the codes decide is hidden or final: a page scanned twice goes to the upload's bin (never dropped) and
 * the copy's flag names it; missing pages are named in the flag; every copy, identification, duplicate and join is
 * an event; the identification desk and page repair undo any of it by hand.
 */
import type { AppContext } from '../context.ts';
import type { Executor } from '../db/database.ts';
import type { PapersTable, UploadsTable } from '../db/schema.ts';
import { newId } from '../ids.ts';
import type { ReadCode } from '../pdf/codes.ts';
import { insertEvent } from '../repositories/event.repository.ts';
import { layOutPages, setFlagged } from '../repositories/page-repair.repository.ts';
import * as repo from '../repositories/paper.repository.ts';
import { insertCopies, insertPageRows } from '../repositories/upload.repository.ts';

/** Where a scanned page's JPEG is: a byte range of a blob, or a whole blob. */
export interface CodedPageSource {
  blobId: string;
  range: { offset: number; length: number } | null;
  widthPx: number;
  heightPx: number;
}

export interface CodedPage {
  /** 0-based page of the upload */
  index: number;
  paper: number;
  page: number;
  rotation: 0 | 90 | 180 | 270;
}

/** Pages per PDF-thread task: each is a JPEG of a few hundred KB. */
const CODE_CHUNK = 8;

/**
 * The code of every page of the scan, or null when the exam has no printed paper (a plain-paper exam pays
 * nothing). `storageKeyOf` names the file of a page's blob.
 */
export async function readCodesOfScan(
  ctx: AppContext,
  examId: string,
  pages: CodedPageSource[],
  storageKeyOf: (blobId: string) => string,
): Promise<Array<ReadCode | null> | null> {
  if ((await repo.papersOfExam(ctx.db, examId)).length === 0) return null;
  const lane = pages.length <= CODE_CHUNK ? 'quick' : 'bulk';
  const chunks: number[][] = [];
  for (let i = 0; i < pages.length; i += CODE_CHUNK) chunks.push(pages.slice(i, i + CODE_CHUNK).map((_, j) => i + j));
  const out: Array<ReadCode | null> = new Array(pages.length).fill(null);
  // as many tasks in flight as threads, each reading its JPEGs just before: memory stays a few chunks wide
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      const jpegs = await Promise.all(chunk.map((i) => ctx.blobs.read(storageKeyOf(pages[i]!.blobId), pages[i]!.range).then((b) => new Uint8Array(b))));
      const codes = await ctx.pdf.readPageCodes(jpegs, lane);
      chunk.forEach((i, j) => (out[i] = codes[j] ?? null));
    }
  };
  const threads = await ctx.pdf.threads(lane);
  await Promise.all(Array.from({ length: Math.max(1, Math.min(threads, chunks.length)) }, worker));
  return out;
}

/** The pages whose code names a paper of this exam; the others (no code, another exam's code) in scan order. */
export function sortByCode(examId: string, codes: Array<ReadCode | null>): { coded: CodedPage[]; uncoded: number[] } {
  const coded: CodedPage[] = [];
  const uncoded: number[] = [];
  codes.forEach((c, index) => {
    if (c && c.examId === examId) coded.push({ index, paper: c.paper, page: c.page, rotation: c.rotation });
    else uncoded.push(index);
  });
  return { coded, uncoded };
}

/** "cover", "page 3": as the printed booklet names its pages. */
const pageName = (page: number) => (page === 0 ? 'cover' : `page ${page}`);
const listPages = (pages: number[]) => pages.map(pageName).join(', ');

/** The copy's flag from what it holds: missing pages of its paper, and pages of it binned as duplicates. */
export function codeFlag(paper: number, expectedPages: number, present: Set<number>, duplicates: number[], notes: string[] = []): string | null {
  const missing: number[] = [];
  for (let p = 0; p <= expectedPages; p++) if (!present.has(p)) missing.push(p);
  const parts: string[] = [];
  if (missing.length) parts.push(`paper ${paper}: missing ${listPages(missing)}`);
  const dups = [...new Set(duplicates)].sort((a, b) => a - b);
  if (dups.length) parts.push(`paper ${paper}: ${listPages(dups)} scanned twice (duplicate in the bin)`);
  parts.push(...notes);
  return parts.length ? parts.join('; ') : null;
}

interface CommitArgs {
  upload: UploadsTable;
  coded: CodedPage[];
  pages: CodedPageSource[];
  now: string;
  newCode: () => string;
}

/**
 * Inside the ingest's final transaction: the coded pages of the upload into their papers' copies. Returns the
 * pages whose paper this exam never printed (a code read wrong, or a restored database): the caller treats them
 * as pages without a code.
 */
export async function commitCodedPages(tx: Executor, a: CommitArgs): Promise<number[]> {
  const byPaper = new Map<number, CodedPage[]>();
  for (const c of a.coded) byPaper.set(c.paper, [...(byPaper.get(c.paper) ?? []), c]);
  const papers = new Map((await repo.papersByNumbers(tx, a.upload.exam_id, [...byPaper.keys()])).map((p) => [p.number, p]));
  const unknown: number[] = [];
  for (const [number, group] of byPaper) {
    const paper = papers.get(number);
    if (!paper) {
      unknown.push(...group.map((g) => g.index));
      continue;
    }
    await commitPaper(tx, a, paper, group);
  }
  return unknown.sort((x, y) => x - y);
}

async function commitPaper(tx: Executor, a: CommitArgs, paper: PapersTable, group: CodedPage[]) {
  const { upload, now } = a;
  const notes: string[] = [];
  let target: { id: string } | null = await joinableCopy(tx, paper, now);
  let created = false;
  if (!target) {
    const late = paper.copy_id !== null; // its copy went on past STAGING: these pages wait in a copy of their own
    const copyId = newId();
    const studentId = !late && paper.student_id && !(await repo.studentHasCopy(tx, upload.exam_id, paper.student_id)) ? paper.student_id : null;
    if (late) notes.push(`paper ${paper.number}: more pages after its copy was validated`);
    else if (paper.student_id && !studentId) notes.push(`paper ${paper.number}: printed for a student who already has a copy`);
    await insertCopies(tx, [
      {
        id: copyId,
        exam_id: upload.exam_id,
        anonymous_code: a.newCode(),
        student_id: studentId,
        status: 'STAGING',
        assigned_to: null,
        locked_by: null,
        locked_at: null,
        graded_at: null,
        final_blob_id: null,
        final_score: null,
        grading_error: null,
        flagged: null,
        merged_into_id: null,
        created_at: now,
        updated_at: now,
      },
    ]);
    if (!late && !(await repo.claimPaperCopy(tx, paper.id, copyId))) {
      // another ingest made this paper's copy first (PostgreSQL): join it instead
      await repo.deleteFreshCopy(tx, copyId);
      return commitPaper(tx, a, (await repo.findPaper(tx, paper.id))!, group);
    }
    target = { id: copyId };
    created = true;
    if (studentId) {
      await insertEvent(tx, { copyId, action: 'IDENTIFIED', actorId: upload.created_by, at: now, metadata: { studentId, previousStudentId: null, source: 'PAPER_CODE', paper: paper.number } });
    }
  }

  const copyId = target.id;
  const existing = created ? [] : await repo.pagesOfCopy(tx, copyId);
  const present = new Set(existing.filter((p) => p.paper_number === paper.number && p.paper_page !== null).map((p) => p.paper_page!));
  const kept: CodedPage[] = [];
  const binned: CodedPage[] = [];
  for (const g of [...group].sort((x, y) => x.index - y.index)) {
    if (present.has(g.page)) binned.push(g);
    else {
      present.add(g.page);
      kept.push(g);
    }
  }
  // the copy's pages by page number (cover first); pages without a code of this paper keep their order, after them
  const order = (n: number | null, page: number | null) => (n === paper.number && page !== null ? page : 1e6);
  const rows = kept.map((g) => pageRow(a, g, paper.number, copyId));
  const layout = [
    ...existing.map((p, i) => ({ id: p.id, key: order(p.paper_number, p.paper_page), tie: i })),
    ...rows.map((r, i) => ({ id: r.id, key: order(paper.number, r.paper_page ?? null), tie: existing.length + i })),
  ].sort((x, y) => x.key - y.key || x.tie - y.tie);
  if (created) {
    const at = new Map(layout.map((l, i) => [l.id, i]));
    await insertPageRows(tx, rows.map((r) => ({ ...r, position: at.get(r.id)! })));
  } else {
    await insertPageRows(tx, rows.map((r, i) => ({ ...r, position: 2_000_000 + i })));
    await layOutPages(tx, new Map([[copyId, layout.map((l) => l.id)]]));
  }
  await insertPageRows(
    tx,
    binned.map((g) => ({ ...pageRow(a, g, paper.number, null), copy_id: null, position: null, removed_at: now, removed_from_copy_id: copyId })),
  );

  const duplicates = (await repo.binnedCodedPagesOf(tx, copyId)).filter((p) => p.paper_number === paper.number).map((p) => p.paper_page!);
  const flagged = codeFlag(paper.number, paper.pages, present, duplicates, notes);
  await setFlagged(tx, copyId, flagged);
  const pages = kept.map((g) => ({ sourcePage: g.index, page: g.page, rotation: g.rotation }));
  await insertEvent(tx, {
    copyId: copyId,
    action: created ? 'CREATED' : 'PAGES_ADDED',
    actorId: upload.created_by,
    at: now,
    metadata: { uploadId: upload.id, source: 'PAPER_CODES', paper: paper.number, pages, flagged },
  });
  for (const g of binned) {
    await insertEvent(tx, {
      copyId: copyId,
      action: 'DUPLICATE_PAGE_BINNED',
      actorId: upload.created_by,
      at: now,
      metadata: { uploadId: upload.id, sourcePage: g.index, paper: paper.number, page: g.page },
    });
  }
}

/** The paper's copy, followed through merges, when pages may still join it (STAGING); locked and version-bumped. */
async function joinableCopy(tx: Executor, paper: PapersTable, now: string) {
  let id = paper.copy_id;
  for (let hops = 0; id && hops < 20; hops++) {
    const copy = await repo.findCopyState(tx, id);
    if (!copy) return null;
    if (copy.status === 'MERGED' && copy.merged_into_id) {
      id = copy.merged_into_id;
      continue;
    }
    return copy.status === 'STAGING' ? ((await repo.touchStagingCopy(tx, copy.id, now)) ?? null) : null;
  }
  return null;
}

function pageRow(a: CommitArgs, g: CodedPage, paper: number, copyId: string | null) {
  const p = a.pages[g.index]!;
  return {
    id: newId(),
    copy_id: copyId,
    booklet_id: null,
    upload_id: a.upload.id,
    source_page: g.index,
    image_blob_id: p.blobId,
    image_offset: p.range?.offset ?? null,
    image_length: p.range?.length ?? null,
    width_px: p.widthPx,
    height_px: p.heightPx,
    rotation: g.rotation,
    paper_number: paper,
    paper_page: g.page,
  };
}

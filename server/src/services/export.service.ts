/**
 * Results out of Korrigo: a CSV per exam (plain, or Pronote-ready) and a ZIP of the final PDFs. Totals come from
 * `computeTotal` (services/total.ts), like everywhere else; only GRADED copies have a result.
 */
import type { Readable } from 'node:stream';
import yazl from 'yazl';
import type { AppContext, Actor } from '../context.ts';
import type { Executor } from '../db/database.ts';
import { validation } from '../errors.ts';
import { listQuestions } from '../repositories/exam.repository.ts';
import { examResultRows, scoresOfExam, unscoredMarksOfExam } from '../repositories/export.repository.ts';
import { statusesWithoutCopy } from '../repositories/attendance.repository.ts';
import type { AttendanceStatus } from '../db/schema.ts';
import { loadExamToManage } from './access.ts';
import { computeMaxTotal, computeTotal, leafQuestions, questionResults, type QuestionResult } from './total.ts';
import { formatPoints } from '@korrigo/contracts/points';
import { csvLine, rescale, type Cell } from './export.csv.ts';
import { foldText } from './student.csv.ts';

export type ResultRow = Awaited<ReturnType<typeof examResultRows>>[number] & {
  /** null unless GRADED */
  total: number | null;
  /**
   * leaf question id → points (GRADED copies). A leaf marked "not scored" has no entry (it is in `notScored`); a
   * leaf with neither a score nor a mark (only copies graded before marks existed) counts 0, as in its total.
   */
  points: Map<string, number>;
  /** GRADED copies: the leaves the teacher left "not scored", in scale order */
  notScored: string[];
  /** GRADED copies: every question's points, exercises with their subtotal (see `questionResults`) */
  byQuestion: Map<string, QuestionResult>;
};

/** Every copy of the exam with its total; shared by exports and statistics. */
export async function loadResults(ex: Executor, examId: string) {
  const [rows, scores, marks, questions] = await Promise.all([
    examResultRows(ex, examId),
    scoresOfExam(ex, examId),
    unscoredMarksOfExam(ex, examId),
    listQuestions(ex, examId),
  ]);
  const leaves = leafQuestions(questions);
  const leafIds = new Set(leaves.map((q) => q.id));
  const byCopy = new Map<string, { question_id: string; points: number }[]>();
  for (const s of scores) byCopy.set(s.copy_id, [...(byCopy.get(s.copy_id) ?? []), s]);
  const marksOf = new Map<string, Set<string>>();
  for (const m of marks) marksOf.set(m.copy_id, (marksOf.get(m.copy_id) ?? new Set()).add(m.question_id));
  const results: ResultRow[] = rows.map((r) => {
    const own = byCopy.get(r.id) ?? [];
    const graded = r.status === 'GRADED';
    const points = new Map<string, number>();
    const notScored = graded ? leaves.filter((q) => marksOf.get(r.id)?.has(q.id)).map((q) => q.id) : [];
    if (graded) {
      for (const q of leaves) if (!notScored.includes(q.id)) points.set(q.id, 0);
      for (const s of own) if (leafIds.has(s.question_id)) points.set(s.question_id, s.points);
    }
    const byQuestion = graded ? questionResults(questions, own, new Set(notScored)) : new Map<string, QuestionResult>();
    return { ...r, total: graded ? computeTotal(own, leafIds) : null, points, notScored, byQuestion };
  });
  return { results, questions, leaves, maxTotal: computeMaxTotal(questions) };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Students by class, last name, first name, number (accent-insensitive); unidentified copies after, by code. */
type SortKey = Pick<ResultRow, 'student_id' | 'anonymous_code' | 'class_name' | 'last_name' | 'first_name' | 'student_number'>;
function byStudent(a: SortKey, b: SortKey): number {
  if (!!a.student_id !== !!b.student_id) return a.student_id ? -1 : 1;
  if (!a.student_id) return cmp(a.anonymous_code, b.anonymous_code);
  return (
    cmp(foldText(a.class_name ?? ''), foldText(b.class_name ?? '')) ||
    cmp(foldText(a.last_name!), foldText(b.last_name!)) ||
    cmp(foldText(a.first_name!), foldText(b.first_name!)) ||
    cmp(a.student_number!, b.student_number!)
  );
}

/** ASCII file-name part: accents dropped, anything else but letters, digits and '-' becomes '-'. */
function fileSafe(s: string, max = 60): string {
  const ascii = s
    .replace(/[œŒæÆß]/g, (c) => ({ œ: 'oe', Œ: 'OE', æ: 'ae', Æ: 'AE', ß: 'ss' })[c]!)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '');
  return ascii.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, max) || 'x';
}

/** ASCII `filename` for old clients, the real (accented) title in `filename*` (RFC 6266). */
const disposition = (base: string, ext: string) =>
  `attachment; filename="${fileSafe(base, 120)}.${ext}"; filename*=UTF-8''${encodeURIComponent(base)}.${ext}`;

/** How a question left unscored on purpose is written in the exports, in the language of the documents. */
const NOT_SCORED = { fr: 'non noté', en: 'not scored' } as const;

/**
 * What Pronote's grade entry accepts instead of a mark, for a student who has none and must not count in the
 * average. Source: Index Éducation, PRONOTE support, "How do I indicate an absence, an exemption, or an unreturned
 * test in the entry of grades?" (https://docs.index-education.com/docs_en/en-pronote-support-page-143-6933-how-do-i-
 * indicate-an-absence-an-exemption-or-an-unreturned-test-in-the-entry-of-grades.php): such statuses "exclude the
 * test from the grade calculation" — Absent (Abs), Exempt, Not graded. That page is the English edition (Exempt
 * shows "Exemp" there); schools importing this file use the French client, whose labels for the same statuses are
 * "Abs", "Disp" (dispensé) and "N.Not" (non noté) — commonly documented for the French edition, though we could not
 * retrieve its own page. Pronote's "Z" (absent, counted as 0) is deliberately not used: Korrigo leaves absences
 * out of averages, as in its own statistics. An excused absence (ABJ) is still "Abs" for a grade: Pronote records
 * the justification in its absences module, not in the grade.
 */
export const PRONOTE_CODES: Record<AttendanceStatus, string> = { ABSENT: 'Abs', EXCUSED: 'Abs', EXEMPT: 'Disp' };

/** A student with a status and no copy: a row of its own in the exports, with a code instead of a mark. */
type AbsenceRow = Awaited<ReturnType<typeof statusesWithoutCopy>>[number];

/**
 * Pronote: `;`, UTF-8 with BOM, CRLF, comma decimals, columns Nom;Prénom;Classe;Numéro;Copie;Note;Remarque (the
 * import wizard maps them; Remarque is left unmapped). Note is the total over the scored questions; a copy with no
 * scored question at all has an empty Note (Pronote then imports no mark: the office enters its own code), and
 * Remarque names the questions left "non noté"; absent, excused and exempt students get Pronote's code as their
 * Note. Plain: RFC 4180 `,`, CRLF, dot decimals, one column per question of the scale in its order (exercises hold
 * their subtotal), a "not scored" question written as such (spreadsheet averages skip text, as the statistics do),
 * a last column naming them, and the attendance status in `status`. Text cells are formula-safe in both. `scale`
 * rescales totals to /scale (e.g. 20).
 */
export async function exportCsv(ctx: AppContext, actor: Actor, examId: string, q: { format: 'plain' | 'pronote'; scale?: number }) {
  const exam = await loadExamToManage(ctx.db, actor, examId);
  const [{ results, questions, maxTotal }, absent] = await Promise.all([loadResults(ctx.db, examId), statusesWithoutCopy(ctx.db, examId)]);
  if (q.scale !== undefined && maxTotal === 0) throw validation('This exam has no points to rescale: give its questions a maximum first');
  const outOf = q.scale !== undefined ? q.scale * 100 : maxTotal;
  const shown = (total: number | null) => (total === null ? null : q.scale !== undefined ? rescale(total, maxTotal, q.scale) : total);
  const notScoredWord = NOT_SCORED[ctx.config.documentLanguage];
  const labelOf = new Map(questions.map((x) => [x.id, x.label]));
  const notScoredLabels = (r: ResultRow) => r.notScored.map((id) => labelOf.get(id)!).join(', ');
  /** nothing scored and something left "not scored": there is no mark to give */
  const noMark = (r: ResultRow) => r.notScored.length > 0 && r.points.size === 0;
  type Line = { kind: 'copy'; r: ResultRow } | { kind: 'absent'; a: AbsenceRow };
  const key = (l: Line): SortKey =>
    l.kind === 'copy' ? l.r : { ...l.a, anonymous_code: '', student_id: l.a.student_id };
  const lines: Line[] = [...results.map((r) => ({ kind: 'copy' as const, r })), ...absent.map((a) => ({ kind: 'absent' as const, a }))];
  lines.sort((x, y) => byStudent(key(x), key(y)));

  let body: string;
  if (q.format === 'pronote') {
    const d = ';';
    const num = (v: number | null): Cell => ({ number: v === null ? '' : formatPoints(v, { decimal: ',' }) });
    body =
      '\uFEFF' +
      csvLine(['Nom', 'Prénom', 'Classe', 'Numéro', 'Copie', 'Note', 'Remarque'].map((text) => ({ text })), d) +
      lines
        .map((l) =>
          l.kind === 'copy'
            ? csvLine(
                [
                  { text: l.r.last_name },
                  { text: l.r.first_name },
                  { text: l.r.class_name },
                  { text: l.r.student_number },
                  { text: l.r.anonymous_code },
                  num(noMark(l.r) ? null : shown(l.r.total)),
                  { text: l.r.notScored.length ? `${NOT_SCORED.fr} : ${notScoredLabels(l.r)}` : '' },
                ],
                d,
              )
            : csvLine(
                [{ text: l.a.last_name }, { text: l.a.first_name }, { text: l.a.class_name }, { text: l.a.student_number }, { text: '' }, { text: PRONOTE_CODES[l.a.status] }, { text: '' }],
                d,
              ),
        )
        .join('');
  } else {
    const d = ',';
    const num = (v: number | null | undefined): Cell => ({ number: v === null || v === undefined ? '' : formatPoints(v, { decimal: '.' }) });
    const cell = (r: ResultRow, id: string): Cell => {
      if (r.total === null) return num(null);
      const res = r.byQuestion.get(id)!;
      if (res.notScored === res.leaves) return { text: notScoredWord };
      return num(res.points ?? 0);
    };
    body =
      csvLine(
        [...['student_number', 'last_name', 'first_name', 'class_name', 'anonymous_code', 'status', 'total', 'max_total'], ...questions.map((x) => x.label), 'not_scored'].map(
          (text) => ({ text }),
        ),
        d,
      ) +
      lines
        .map((l) => {
          if (l.kind === 'absent') {
            const a = l.a;
            const blank = questions.map(() => num(null));
            return csvLine([{ text: a.student_number }, { text: a.last_name }, { text: a.first_name }, { text: a.class_name }, { text: '' }, { text: a.status }, num(null), num(outOf), ...blank, { text: '' }], d);
          }
          const r = l.r;
          return csvLine(
            [
              { text: r.student_number },
              { text: r.last_name },
              { text: r.first_name },
              { text: r.class_name },
              { text: r.anonymous_code },
              { text: r.status },
              num(noMark(r) ? null : shown(r.total)),
              num(outOf),
              ...questions.map((x) => cell(r, x.id)),
              { text: notScoredLabels(r) },
            ],
            d,
          );
        })
        .join('');
  }
  const fileName = `${exam.title}${q.format === 'pronote' ? '-pronote' : ''}${q.scale ? `-sur-${q.scale}` : ''}`;
  return { body: Buffer.from(body, 'utf8'), contentDisposition: disposition(fileName, 'csv') };
}

/** Names inside the ZIP: `<last>_<first>_<number>.pdf`, or the anonymous code; unique ignoring case (Windows). */
export function zipEntryNames(rows: { id: string; anonymous_code: string; student_id: string | null; last_name: string | null; first_name: string | null; student_number: string | null }[]) {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const r of rows) {
    const base = r.student_id ? `${fileSafe(r.last_name!)}_${fileSafe(r.first_name!)}_${fileSafe(r.student_number!)}` : fileSafe(r.anonymous_code);
    let name = `${base}.pdf`;
    for (let i = 2; used.has(name.toLowerCase()); i++) name = `${base}_${i}.pdf`;
    used.add(name.toLowerCase());
    out.set(r.id, name);
  }
  return out;
}

/**
 * The final PDFs of the GRADED copies, streamed: each file is opened only when the archive reaches it and
 * piped through (stored, not recompressed: PDFs are compressed already), so memory stays flat whatever the
 * exam's size, and the length is known up front.
 */
export async function exportZip(ctx: AppContext, actor: Actor, examId: string) {
  const exam = await loadExamToManage(ctx.db, actor, examId);
  const rows = (await examResultRows(ctx.db, examId)).filter((r) => r.status === 'GRADED' && r.final_storage_key);
  rows.sort(byStudent);
  const names = zipEntryNames(rows);
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as Readable;
  // a missing or unreadable file aborts the download instead of leaving the client waiting forever
  zip.on('error', (err: Error) => output.destroy(err));
  const mtime = ctx.clock.now();
  for (const r of rows) {
    zip.addReadStreamLazy(names.get(r.id)!, { compress: false, size: Number(r.final_size), mtime }, (cb) => {
      const file = ctx.blobs.createReadStream(r.final_storage_key!);
      file.on('error', (err) => output.destroy(err));
      cb(null, file);
    });
  }
  // stored entries of known sizes: yazl computes the archive's exact length before streaming it
  const size = await new Promise<number>((resolve) => zip.end(undefined, ((n: number) => resolve(n)) as () => void));
  return { stream: output, size: size >= 0 ? size : null, count: rows.length, contentDisposition: disposition(exam.title, 'zip') };
}

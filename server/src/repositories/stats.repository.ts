import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

/**
 * The exam statistics as SQL aggregates: each query returns a few rows per question or per corrector (a value
 * and how many GRADED copies have it), never a row per copy. `below` pairs every question of the scale with each
 * leaf at or below it (a leaf with itself), as `questionResults` sums them.
 */

/** Copies of the exam (merged ones excluded) and how many are GRADED. */
export const copyCounts = (ex: Executor, examId: string) =>
  sql<{ copies: number; graded: number }>`SELECT COUNT(*) AS copies, COALESCE(SUM(CASE WHEN status = 'GRADED' THEN 1 ELSE 0 END), 0) AS graded
    FROM copies WHERE exam_id = ${examId} AND status <> 'MERGED'`
    .execute(ex)
    .then((r) => ({ copies: Number(r.rows[0]?.copies ?? 0), graded: Number(r.rows[0]?.graded ?? 0) }));

const pairs = (below: ReadonlyArray<readonly [string, string]>) =>
  sql.join(below.map(([q, leaf]) => sql`(${q}, ${leaf})`));

/**
 * Per question, how many GRADED copies got each value, counting only copies with at least one score at or below
 * it and no leaf there left "not scored" without a score (the value is then the sum of those scores).
 */
export const questionValueCounts = (ex: Executor, examId: string, below: ReadonlyArray<readonly [string, string]>) =>
  sql<{ q: string; v: number; n: number }>`WITH below (q, leaf) AS (VALUES ${pairs(below)}),
    per_copy AS (
      SELECT b.q, s.copy_id, SUM(s.points) AS v
      FROM scores s JOIN copies c ON c.id = s.copy_id JOIN below b ON b.leaf = s.question_id
      WHERE c.exam_id = ${examId} AND c.status = 'GRADED'
      GROUP BY b.q, s.copy_id)
    SELECT q, v, COUNT(*) AS n FROM per_copy p
    WHERE NOT EXISTS (
      SELECT 1 FROM unscored_questions u JOIN below b2 ON b2.leaf = u.question_id
      WHERE u.copy_id = p.copy_id AND b2.q = p.q
        AND NOT EXISTS (SELECT 1 FROM scores s2 WHERE s2.copy_id = u.copy_id AND s2.question_id = u.question_id))
    GROUP BY q, v`
    .execute(ex)
    .then((r) => r.rows.map((x) => ({ q: x.q, v: Number(x.v), n: Number(x.n) })));

/** Per question, how many GRADED copies have a leaf at or below it left "not scored" (and not scored since). */
export const questionNotScoredCounts = (ex: Executor, examId: string, below: ReadonlyArray<readonly [string, string]>) =>
  sql<{ q: string; n: number }>`WITH below (q, leaf) AS (VALUES ${pairs(below)})
    SELECT b.q, COUNT(DISTINCT u.copy_id) AS n
    FROM unscored_questions u JOIN copies c ON c.id = u.copy_id JOIN below b ON b.leaf = u.question_id
    WHERE c.exam_id = ${examId} AND c.status = 'GRADED'
      AND NOT EXISTS (SELECT 1 FROM scores s WHERE s.copy_id = u.copy_id AND s.question_id = u.question_id)
    GROUP BY b.q`
    .execute(ex)
    .then((r) => r.rows.map((x) => ({ q: x.q, n: Number(x.n) })));

/**
 * GRADED copies by corrector (the assignee, else whoever submitted), total (the sum of the scores on `leaves`, as
 * `computeTotal`), and whether it has none: `marks` counts its leaves left "not scored", `scored` its leaf scores.
 */
export const totalCounts = (ex: Executor, examId: string, leaves: readonly string[]) => {
  const leafList = leaves.length ? sql.join(leaves.map((l) => sql`${l}`)) : sql`NULL`;
  return sql<{ corrector_id: string | null; corrector_name: string | null; total: number; scored: number; marks: number; n: number }>`
    SELECT t.corrector_id, u.display_name AS corrector_name, t.total, t.scored, t.marks, COUNT(*) AS n
    FROM (
      SELECT COALESCE(c.assigned_to, c.locked_by) AS corrector_id,
        COALESCE((SELECT SUM(s.points) FROM scores s WHERE s.copy_id = c.id AND s.question_id IN (${leafList})), 0) AS total,
        (SELECT COUNT(*) FROM scores s WHERE s.copy_id = c.id AND s.question_id IN (${leafList})) AS scored,
        (SELECT COUNT(*) FROM unscored_questions m WHERE m.copy_id = c.id AND m.question_id IN (${leafList})) AS marks
      FROM copies c WHERE c.exam_id = ${examId} AND c.status = 'GRADED') t
    LEFT JOIN users u ON u.id = t.corrector_id
    GROUP BY t.corrector_id, u.display_name, t.total, t.scored, t.marks`
    .execute(ex)
    .then((r) =>
      r.rows.map((x) => ({ ...x, total: Number(x.total), scored: Number(x.scored), marks: Number(x.marks), n: Number(x.n) })),
    );
};

/** Server answers → the desk's rubric shapes (rubric-types.ts). Pure, tested; tolerant of missing optional fields. */
import type { Applied, ExamProgress, ItemPreview, PreviewCopy, QuestionAssignments, QuestionProgress, QuestionRegion, QuestionSettings, RubricItem, RubricState, ScoringMode } from './rubric-types';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function normItem(raw: unknown): RubricItem {
  const o = obj(raw);
  return {
    id: String(o.id),
    questionId: String(o.questionId),
    label: str(o.label) ?? '',
    comment: str(o.comment),
    points: num(o.points) ?? 0,
    kind: o.kind === 'ABSOLUTE' ? 'ABSOLUTE' : 'DELTA',
    group: str(o.group) || null,
    order: num(o.order) ?? num(o.position) ?? 0,
    version: num(o.version) ?? 1,
    usage: num(o.usage) ?? num(o.usageCount) ?? 0,
    retired: o.retired === true || (typeof o.retiredAt === 'string' && !!o.retiredAt) || o.status === 'RETIRED',
  };
}

export function normApplied(raw: unknown): Applied {
  const o = obj(raw);
  const a: Applied = { itemId: String(o.itemId ?? o.rubricItemId) };
  if (num(o.pagePosition) !== null && num(o.x) !== null && num(o.y) !== null) {
    a.pagePosition = num(o.pagePosition);
    a.x = num(o.x);
    a.y = num(o.y);
  }
  return a;
}

/** A PUT's answer or one entry of a copy's rubric list. */
export function normState(raw: unknown, questionId?: string): RubricState {
  let o = obj(raw);
  const score = obj(o.score);
  if (o.rubric && typeof o.rubric === 'object') o = { ...obj(o.rubric), score: o.score };
  const applied = Array.isArray(o.applied) ? o.applied.map(normApplied) : [];
  const badgeIds = new Set<string>();
  if (Array.isArray(o.applied)) for (const a of o.applied) if (str(obj(a).annotationId)) badgeIds.add(str(obj(a).annotationId)!);
  if (Array.isArray(o.badges)) for (const b of o.badges) if (str(obj(b).id)) badgeIds.add(str(obj(b).id)!);
  const adjustment = num(o.adjustment);
  return {
    questionId: str(o.questionId) ?? str(score.questionId) ?? questionId ?? '',
    version: num(o.version) ?? num(score.version) ?? 0,
    applied,
    adjustment: adjustment === 0 ? null : adjustment,
    points: num(o.points) ?? num(score.points),
    badgeIds: [...badgeIds],
  };
}

/** The rubric applications a copy carries (GET /copies/:id → `rubric`, a list or a map by question). */
export function rubricOfCopy(copy: unknown): Record<string, RubricState> {
  const o = obj(copy);
  const raw = o.questions ?? o.rubric ?? o.rubrics ?? o.rubricApplications;
  const out: Record<string, RubricState> = {};
  if (Array.isArray(raw)) for (const r of raw) {
    const s = normState(r);
    if (s.questionId) out[s.questionId] = s;
  }
  else if (raw && typeof raw === 'object') for (const [qid, r] of Object.entries(raw)) out[qid] = normState(r, qid);
  return out;
}

const point = (v: unknown): { question: number | null; total: number | null } => {
  if (typeof v === 'number') return { question: v, total: null };
  const o = obj(v);
  return { question: num(o.points) ?? num(o.question) ?? num(o.questionPoints), total: num(o.total) };
};

function normPreviewCopy(raw: unknown): PreviewCopy {
  const o = obj(raw);
  const before = point(o.before);
  const after = point(o.after);
  if (before.total === null) before.total = num(o.totalBefore);
  if (after.total === null) after.total = num(o.totalAfter);
  return {
    copyId: String(o.copyId ?? o.id),
    label: str(o.anonymousCode) ?? str(o.label) ?? String(o.copyId ?? o.id).slice(0, 8),
    status: str(o.status),
    before,
    after,
  };
}

export function normPreview(raw: unknown): ItemPreview {
  const o = obj(raw);
  const copies = (Array.isArray(o.copies) ? o.copies : []).map(normPreviewCopy);
  const listed = Array.isArray(o.graded) ? o.graded : Array.isArray(o.toReopen) ? o.toReopen : Array.isArray(o.gradedCopies) ? o.gradedCopies : null;
  const toReopen = listed ? listed.map(normPreviewCopy) : copies.filter((c) => c.status === 'GRADED');
  const h = obj(o.histogram);
  const hb = obj(h.before);
  const ha = obj(h.after);
  const counts = (x: unknown, y: Obj): number[] | null =>
    Array.isArray(x) && x.every((n) => typeof n === 'number') ? (x as number[]) : Array.isArray(y.bins) ? (y.bins as number[]) : Array.isArray(y.counts) ? (y.counts as number[]) : null;
  const before = counts(h.before, hb);
  const after = counts(h.after, ha);
  const width = num(hb.binWidth);
  const labels = Array.isArray(h.labels) ? (h.labels as unknown[]).map(String) : width ? (before ?? []).map((_, i) => `${(i * width) / 100}–${((i + 1) * width) / 100}`) : [];
  return {
    copies,
    toReopen,
    histogram: before && after ? { before, after, bucketLabels: labels.length === before.length ? labels : before.map((_, i) => String(i)) } : null,
  };
}

const MODES: ScoringMode[] = ['FREE', 'ADDITIVE', 'SUBTRACTIVE'];
export const modeOf = (v: unknown): ScoringMode => {
  const s = typeof v === 'string' ? v.toUpperCase() : '';
  return (MODES as string[]).includes(s) ? (s as ScoringMode) : 'FREE';
};

function normRegion(v: unknown): QuestionRegion | null {
  const o = obj(v);
  const p = num(o.pagePosition), x = num(o.x), y = num(o.y), w = num(o.w), h = num(o.h);
  return p === null || x === null || y === null || w === null || h === null ? null : { pagePosition: p, x, y, w, h };
}

/** A question's settings from wherever the server puts them (a settings list, or fields on the exam's questions). */
export function normSettings(raw: unknown): Record<string, QuestionSettings> {
  const o = obj(raw);
  const items = Array.isArray(raw) ? raw : Array.isArray(o.questions) ? o.questions : [];
  const out: Record<string, QuestionSettings> = {};
  for (const it of items) {
    const q = obj(it);
    const id = str(q.questionId) ?? str(q.id);
    if (id) out[id] = { questionId: id, scoringMode: modeOf(q.scoringMode ?? q.mode), region: normRegion(q.region) };
  }
  return out;
}

const userRef = (v: unknown) => ({ id: String(obj(v).id), displayName: str(obj(v).displayName) ?? '' });

export function normProgress(raw: unknown): ExamProgress {
  const o = obj(raw);
  const questions: QuestionProgress[] = (Array.isArray(o.questions) ? o.questions : []).map((it) => {
    const q = obj(it);
    return {
      questionId: String(q.questionId ?? q.id),
      label: str(q.label) ?? '',
      scored: num(q.scored) ?? 0,
      total: num(q.copies) ?? num(q.total) ?? 0,
      byCorrector: (Array.isArray(q.byCorrector) ? q.byCorrector : []).map((c) => {
        const x = obj(c);
        return { user: userRef(x.user), scored: num(x.scored) ?? 0, quota: num(x.quota), assigned: x.assigned === true };
      }),
    };
  });
  const correctors = (Array.isArray(o.correctors) ? o.correctors : []).map((c) => ({ user: userRef(obj(c).user), scored: num(obj(c).scored) ?? 0 }));
  return { questions, correctors, complete: num(o.complete) ?? 0 };
}

export function normAssignments(raw: unknown): QuestionAssignments[] {
  const o = obj(raw);
  return (Array.isArray(o.questions) ? o.questions : []).map((it) => {
    const q = obj(it);
    return {
      questionId: String(q.questionId),
      assignments: (Array.isArray(q.assignments) ? q.assignments : []).map((a) => ({ user: userRef(obj(a).user), quota: num(obj(a).quota) })),
    };
  });
}

/**
 * The annotation overlay's state: plain records on normalized page coordinates (fractions 0..1 of the page,
 * top-left origin), kept apart from rendering. Same model as the server and the PDF flattener, so what the teacher
 * sees is what the student gets.
 */
import type { Annotation, AnnotationType } from '@korrigo/contracts';

export type AnnType = AnnotationType;
export type Pt = [number, number];
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface AnnFields extends Rect {
  content: string | null;
  points: Pt[] | null;
  scoreDelta: number | null;
  questionId: string | null;
}

export interface AnnRecord extends AnnFields {
  /** local key, stable across undo/redo (a re-created annotation gets a new server id, not a new key) */
  key: string;
  /** server id; null while not (or no longer) on the server */
  id: string | null;
  version: number;
  pagePosition: number;
  type: AnnType;
}

export interface AnnState {
  byKey: Record<string, AnnRecord>;
  order: string[];
}

export const emptyState = (): AnnState => ({ byKey: {}, order: [] });

export const FIELD_NAMES = ['x', 'y', 'w', 'h', 'content', 'points', 'scoreDelta', 'questionId'] as const;

/** Smallest box a tool produces (fraction of the page). */
export const MIN_SIZE = 0.01;
const EPS = 1e-6;

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
export const clamp01 = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);

/**
 * Puts a rectangle inside the page: every field in [0,1], x+w ≤ 1, y+h ≤ 1 — exactly, in floating point, since the
 * server checks the same inequalities in SQL. Size wins over position: a box pushed past an edge slides back in.
 */
export function clampRect(r: Rect): Rect {
  let w = round6(clamp01(r.w));
  let h = round6(clamp01(r.h));
  let x = round6(Math.min(clamp01(r.x), 1 - w));
  let y = round6(Math.min(clamp01(r.y), 1 - h));
  x = Math.max(0, x);
  y = Math.max(0, y);
  while (x + w > 1) w = round6(w - EPS);
  while (y + h > 1) h = round6(h - EPS);
  return { x, y, w: Math.max(0, w), h: Math.max(0, h) };
}

export const isInside = (r: Rect) =>
  [r.x, r.y, r.w, r.h].every((v) => v >= 0 && v <= 1) && r.x + r.w <= 1 && r.y + r.h <= 1;

export function clampPt(p: Pt): Pt {
  return [round6(clamp01(p[0])), round6(clamp01(p[1]))];
}

/** The rectangle spanned by a drag from a to b, in any direction. */
export function rectFromDrag(a: Pt, b: Pt): Rect {
  const [ax, ay] = clampPt(a);
  const [bx, by] = clampPt(b);
  return clampRect({ x: Math.min(ax, bx), y: Math.min(ay, by), w: Math.abs(bx - ax), h: Math.abs(by - ay) });
}

/** Moves a rectangle keeping its size; it stops at the page edges. */
export function moveRect(r: Rect, dx: number, dy: number): Rect {
  return clampRect({ x: Math.min(Math.max(0, r.x + dx), 1 - r.w), y: Math.min(Math.max(0, r.y + dy), 1 - r.h), w: r.w, h: r.h });
}

export type Handle = 'nw' | 'ne' | 'sw' | 'se';

/** Drags one corner by (dx, dy); the opposite corner stays; never smaller than `min`, never outside the page. */
export function resizeRect(r: Rect, handle: Handle, dx: number, dy: number, min = MIN_SIZE): Rect {
  let left = r.x;
  let top = r.y;
  let right = r.x + r.w;
  let bottom = r.y + r.h;
  if (handle === 'nw' || handle === 'sw') left = Math.min(clamp01(left + dx), right - min);
  else right = Math.max(clamp01(right + dx), left + min);
  if (handle === 'nw' || handle === 'ne') top = Math.min(clamp01(top + dy), bottom - min);
  else bottom = Math.max(clamp01(bottom + dy), top + min);
  return clampRect({ x: left, y: top, w: right - left, h: bottom - top });
}

/** A square-looking mark (tick, cross, score badge) centred on p; `aspect` = page width / page height. */
export function markRect(p: Pt, aspect: number, size = 0.04, widthFactor = 1): Rect {
  const w = size * widthFactor;
  const h = size * (Number.isFinite(aspect) && aspect > 0 ? aspect : 1);
  return clampRect({ x: p[0] - w / 2, y: p[1] - h / 2, w, h });
}

export function boundsOf(points: Pt[]): Rect {
  if (points.length === 0) return { x: 0, y: 0, w: 0, h: 0 };
  let minX = 1, minY = 1, maxX = 0, maxY = 0;
  for (const [x, y] of points) {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  return clampRect({ x: minX, y: minY, w: maxX - minX, h: maxY - minY });
}

/** Maps stroke points from one box to another (move = translate, resize = scale). */
export function mapPoints(points: Pt[], from: Rect, to: Rect): Pt[] {
  const sx = from.w > 0 ? to.w / from.w : 1;
  const sy = from.h > 0 ? to.h / from.h : 1;
  return points.map(([x, y]) => clampPt([to.x + (x - from.x) * sx, to.y + (y - from.y) * sy]));
}

/** The fields that change when an annotation gets a new box: the box, and the stroke for freehand. */
export function fieldsForRect(rec: AnnRecord, rect: Rect): Partial<AnnFields> {
  const r = clampRect(rect);
  const out: Partial<AnnFields> = { x: r.x, y: r.y, w: r.w, h: r.h };
  if (rec.points) out.points = mapPoints(rec.points, rec, r);
  return out;
}

/** Topmost annotation of the page under p (a small tolerance for thin marks). */
export function hitTest(state: AnnState, page: number, p: Pt, tolerance = 0.006): string | null {
  for (let i = state.order.length - 1; i >= 0; i--) {
    const rec = state.byKey[state.order[i]!];
    if (!rec || rec.pagePosition !== page) continue;
    if (
      p[0] >= rec.x - tolerance &&
      p[0] <= rec.x + rec.w + tolerance &&
      p[1] >= rec.y - tolerance &&
      p[1] <= rec.y + rec.h + tolerance
    )
      return rec.key;
  }
  return null;
}

export function fromServer(a: Annotation, key: string = a.id): AnnRecord {
  return {
    key,
    id: a.id,
    version: a.version,
    pagePosition: a.pagePosition,
    type: a.type,
    x: a.x,
    y: a.y,
    w: a.w,
    h: a.h,
    content: a.content,
    points: (a.points as Pt[] | null) ?? null,
    scoreDelta: a.scoreDelta,
    questionId: a.questionId,
  };
}

export function stateFromServer(list: Annotation[]): AnnState {
  const s = emptyState();
  for (const a of list) {
    s.byKey[a.id] = fromServer(a);
    s.order.push(a.id);
  }
  return s;
}

/** Body of POST /copies/:id/annotations. */
export function createBody(rec: AnnRecord) {
  const r = clampRect(rec);
  return {
    pagePosition: rec.pagePosition,
    ...r,
    type: rec.type,
    content: rec.content,
    points: rec.points && rec.points.length > 0 ? rec.points.map(clampPt) : null,
    scoreDelta: rec.scoreDelta,
    questionId: rec.questionId,
  };
}

export function pickFields(rec: AnnFields, names: readonly (keyof AnnFields)[] = FIELD_NAMES): Partial<AnnFields> {
  const out: Partial<AnnFields> = {};
  for (const n of names) (out as Record<string, unknown>)[n] = rec[n];
  return out;
}

let seq = 0;
export const newKey = () => `local-${Date.now().toString(36)}-${(seq++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

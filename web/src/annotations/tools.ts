/**
 * Tools are small state machines: (state, pointer event) → (next state, effects). They know nothing of React, the
 * server or the DOM; the desk turns effects into commands.
 */
import { type AnnType, clampPt, clampRect, type Handle, markRect, MIN_SIZE, moveRect, type Pt, type Rect, rectFromDrag, resizeRect } from './model';

export type ToolId = 'select' | 'comment' | 'highlight' | 'tick' | 'cross' | 'score' | 'freehand';

export const TOOLS: { id: ToolId; key: string; type: AnnType | null }[] = [
  { id: 'select', key: 'v', type: null },
  { id: 'comment', key: 'c', type: 'COMMENT' },
  { id: 'highlight', key: 'h', type: 'HIGHLIGHT' },
  { id: 'tick', key: 't', type: 'TICK' },
  { id: 'cross', key: 'x', type: 'CROSS' },
  { id: 'score', key: 's', type: 'SCORE' },
  { id: 'freehand', key: 'f', type: 'FREEHAND' },
];

export type ToolState =
  | { mode: 'idle' }
  | { mode: 'drawing'; start: Pt; current: Pt }
  | { mode: 'stroke'; points: Pt[] }
  | { mode: 'moving'; key: string; origin: Pt; start: Rect; current: Rect }
  | { mode: 'resizing'; key: string; handle: Handle; origin: Pt; start: Rect; current: Rect };

export type ToolEvent =
  | { type: 'down'; p: Pt; hit?: { key: string; rect: Rect; handle?: Handle } | null }
  | { type: 'move'; p: Pt }
  | { type: 'up'; p: Pt }
  | { type: 'cancel' };

export type ToolEffect =
  | { kind: 'select'; key: string | null }
  | { kind: 'create'; type: AnnType; rect: Rect; points?: Pt[] }
  | { kind: 'update'; key: string; rect: Rect };

export interface ToolContext {
  /** page width / page height, to draw square-looking marks */
  aspect: number;
}

export const IDLE: ToolState = { mode: 'idle' };
/** Default comment box when the teacher clicks instead of dragging. */
export const DEFAULT_COMMENT = { w: 0.28, h: 0.07 };
/** A freehand point closer than this to the previous one is dropped (keeps strokes small). */
const STROKE_STEP = 0.002;

type Result = { state: ToolState; effects: ToolEffect[] };
const same = (state: ToolState): Result => ({ state, effects: [] });

export function step(tool: ToolId, state: ToolState, ev: ToolEvent, ctx: ToolContext): Result {
  if (ev.type === 'cancel') return { state: IDLE, effects: [] };
  switch (tool) {
    case 'select':
      return selectStep(state, ev);
    case 'comment':
    case 'highlight':
      return boxStep(tool, state, ev);
    case 'tick':
    case 'cross':
    case 'score':
      if (ev.type !== 'up' || state.mode !== 'drawing') {
        if (ev.type === 'down') return same({ mode: 'drawing', start: clampPt(ev.p), current: clampPt(ev.p) });
        return same(state);
      }
      return {
        state: IDLE,
        effects: [
          {
            kind: 'create',
            type: tool === 'tick' ? 'TICK' : tool === 'cross' ? 'CROSS' : 'SCORE',
            rect: tool === 'score' ? markRect(state.start, ctx.aspect, 0.035, 1.8) : markRect(state.start, ctx.aspect),
          },
        ],
      };
    case 'freehand':
      return strokeStep(state, ev);
  }
}

function selectStep(state: ToolState, ev: Exclude<ToolEvent, { type: 'cancel' }>): Result {
  const p = clampPt(ev.p);
  if (ev.type === 'down') {
    if (!ev.hit) return { state: IDLE, effects: [{ kind: 'select', key: null }] };
    const { key, rect, handle } = ev.hit;
    const next: ToolState = handle
      ? { mode: 'resizing', key, handle, origin: p, start: rect, current: rect }
      : { mode: 'moving', key, origin: p, start: rect, current: rect };
    return { state: next, effects: [{ kind: 'select', key }] };
  }
  if (state.mode !== 'moving' && state.mode !== 'resizing') return same(state);
  const dx = p[0] - state.origin[0];
  const dy = p[1] - state.origin[1];
  const current =
    state.mode === 'moving' ? moveRect(state.start, dx, dy) : resizeRect(state.start, state.handle, dx, dy);
  if (ev.type === 'move') return same({ ...state, current });
  const changed = ['x', 'y', 'w', 'h'].some((f) => current[f as keyof Rect] !== state.start[f as keyof Rect]);
  return { state: IDLE, effects: changed ? [{ kind: 'update', key: state.key, rect: current }] : [] };
}

function boxStep(tool: 'comment' | 'highlight', state: ToolState, ev: Exclude<ToolEvent, { type: 'cancel' }>): Result {
  const p = clampPt(ev.p);
  if (ev.type === 'down') return same({ mode: 'drawing', start: p, current: p });
  if (state.mode !== 'drawing') return same(state);
  if (ev.type === 'move') return same({ ...state, current: p });
  let rect = rectFromDrag(state.start, p);
  if (rect.w < MIN_SIZE || rect.h < MIN_SIZE) {
    if (tool === 'highlight') return { state: IDLE, effects: [] };
    rect = clampRect({ x: state.start[0], y: state.start[1], ...DEFAULT_COMMENT });
  }
  return { state: IDLE, effects: [{ kind: 'create', type: tool === 'comment' ? 'COMMENT' : 'HIGHLIGHT', rect }] };
}

function strokeStep(state: ToolState, ev: Exclude<ToolEvent, { type: 'cancel' }>): Result {
  const p = clampPt(ev.p);
  if (ev.type === 'down') return same({ mode: 'stroke', points: [p] });
  if (state.mode !== 'stroke') return same(state);
  const last = state.points[state.points.length - 1]!;
  const far = Math.hypot(p[0] - last[0], p[1] - last[1]) >= STROKE_STEP;
  const points = far && state.points.length < 5000 ? [...state.points, p] : state.points;
  if (ev.type === 'move') return same({ mode: 'stroke', points });
  if (points.length < 2) return { state: IDLE, effects: [] };
  return { state: IDLE, effects: [{ kind: 'create', type: 'FREEHAND', rect: strokeBounds(points), points }] };
}

/** Bounding box of a stroke, never zero-sized (a straight horizontal line still gets a height). */
export function strokeBounds(points: Pt[]): Rect {
  let minX = 1, minY = 1, maxX = 0, maxY = 0;
  for (const [x, y] of points) {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  const pad = 0.002;
  return rectFromDrag([minX - pad, minY - pad], [maxX + pad, maxY + pad]);
}

/** The rectangle a tool state previews while dragging (null when nothing to draw). */
export function preview(tool: ToolId, state: ToolState): Rect | null {
  if (state.mode === 'drawing' && (tool === 'comment' || tool === 'highlight')) return rectFromDrag(state.start, state.current);
  if (state.mode === 'moving' || state.mode === 'resizing') return state.current;
  return null;
}

export function toolForKey(key: string): ToolId | null {
  return TOOLS.find((t) => t.key === key.toLowerCase())?.id ?? null;
}

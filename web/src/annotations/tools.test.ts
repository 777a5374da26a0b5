import { describe, expect, it } from 'vitest';
import { IDLE, step, toolForKey, type ToolEffect, type ToolEvent, type ToolId, type ToolState } from './tools';
import { isInside } from './model';

const ctx = { aspect: 0.75 };
function run(tool: ToolId, events: ToolEvent[], from: ToolState = IDLE) {
  let state = from;
  const effects: ToolEffect[] = [];
  for (const ev of events) {
    const r = step(tool, state, ev, ctx);
    state = r.state;
    effects.push(...r.effects);
  }
  return { state, effects };
}

describe('tool state machines', () => {
  it('comment: drag a box → create COMMENT with that box', () => {
    const { state, effects } = run('comment', [
      { type: 'down', p: [0.1, 0.1] },
      { type: 'move', p: [0.3, 0.2] },
      { type: 'up', p: [0.4, 0.25] },
    ]);
    expect(state).toEqual(IDLE);
    expect(effects).toEqual([{ kind: 'create', type: 'COMMENT', rect: { x: 0.1, y: 0.1, w: 0.3, h: 0.15 } }]);
  });
  it('comment: a click makes a default-size box, inside the page even at the edge', () => {
    const { effects } = run('comment', [{ type: 'down', p: [0.95, 0.98] }, { type: 'up', p: [0.95, 0.98] }]);
    expect(effects).toHaveLength(1);
    const e = effects[0]!;
    expect(e.kind === 'create' && isInside(e.rect) && e.rect.w > 0.1).toBe(true);
  });
  it('highlight: a click without drag creates nothing', () => {
    expect(run('highlight', [{ type: 'down', p: [0.5, 0.5] }, { type: 'up', p: [0.5, 0.5] }]).effects).toEqual([]);
    expect(run('highlight', [{ type: 'down', p: [0.5, 0.5] }, { type: 'up', p: [0.7, 0.55] }]).effects[0]).toMatchObject({ kind: 'create', type: 'HIGHLIGHT' });
  });
  it('tick / cross / score: one click places a mark centred there', () => {
    for (const [tool, type] of [['tick', 'TICK'], ['cross', 'CROSS'], ['score', 'SCORE']] as const) {
      const { effects } = run(tool, [{ type: 'down', p: [0.5, 0.5] }, { type: 'up', p: [0.5, 0.5] }]);
      expect(effects).toHaveLength(1);
      const e = effects[0]!;
      if (e.kind !== 'create') throw new Error('expected create');
      expect(e.type).toBe(type);
      expect(e.rect.x + e.rect.w / 2).toBeCloseTo(0.5, 5);
      expect(e.rect.y + e.rect.h / 2).toBeCloseTo(0.5, 5);
    }
  });
  it('up without down does nothing', () => {
    expect(run('tick', [{ type: 'up', p: [0.5, 0.5] }]).effects).toEqual([]);
    expect(run('comment', [{ type: 'move', p: [0.5, 0.5] }, { type: 'up', p: [0.5, 0.5] }]).effects).toEqual([]);
  });
  it('Esc (cancel) aborts a drag', () => {
    const { state, effects } = run('comment', [{ type: 'down', p: [0.1, 0.1] }, { type: 'move', p: [0.3, 0.3] }, { type: 'cancel' }, { type: 'up', p: [0.3, 0.3] }]);
    expect(state).toEqual(IDLE);
    expect(effects).toEqual([]);
  });
  it('freehand: collects points (dropping jitter) and creates a FREEHAND stroke with its bounds', () => {
    const { effects } = run('freehand', [
      { type: 'down', p: [0.1, 0.1] },
      { type: 'move', p: [0.1001, 0.1001] },
      { type: 'move', p: [0.2, 0.15] },
      { type: 'move', p: [0.3, 0.1] },
      { type: 'up', p: [0.3, 0.1] },
    ]);
    expect(effects).toHaveLength(1);
    const e = effects[0]!;
    if (e.kind !== 'create') throw new Error('expected create');
    expect(e.type).toBe('FREEHAND');
    expect(e.points).toEqual([[0.1, 0.1], [0.2, 0.15], [0.3, 0.1]]);
    expect(e.rect.x).toBeLessThanOrEqual(0.1);
    expect(e.rect.x + e.rect.w).toBeGreaterThanOrEqual(0.3);
    expect(isInside(e.rect)).toBe(true);
  });
  it('freehand: a dot is not a stroke', () => {
    expect(run('freehand', [{ type: 'down', p: [0.1, 0.1] }, { type: 'up', p: [0.1, 0.1] }]).effects).toEqual([]);
  });
  it('select: click on empty deselects; click on an annotation selects it without changing it', () => {
    expect(run('select', [{ type: 'down', p: [0.5, 0.5], hit: null }]).effects).toEqual([{ kind: 'select', key: null }]);
    const rect = { x: 0.4, y: 0.4, w: 0.2, h: 0.2 };
    expect(run('select', [{ type: 'down', p: [0.5, 0.5], hit: { key: 'a', rect } }, { type: 'up', p: [0.5, 0.5] }]).effects).toEqual([{ kind: 'select', key: 'a' }]);
  });
  it('select: drag moves, clamped inside the page', () => {
    const rect = { x: 0.4, y: 0.4, w: 0.2, h: 0.2 };
    const { effects } = run('select', [
      { type: 'down', p: [0.5, 0.5], hit: { key: 'a', rect } },
      { type: 'move', p: [0.6, 0.6] },
      { type: 'up', p: [1.5, 0.6] },
    ]);
    expect(effects[1]).toEqual({ kind: 'update', key: 'a', rect: { x: 0.8, y: 0.5, w: 0.2, h: 0.2 } });
  });
  it('select: dragging a handle resizes', () => {
    const rect = { x: 0.4, y: 0.4, w: 0.2, h: 0.2 };
    const { effects } = run('select', [
      { type: 'down', p: [0.6, 0.6], hit: { key: 'a', rect, handle: 'se' } },
      { type: 'up', p: [0.7, 0.65] },
    ]);
    expect(effects[1]).toMatchObject({ kind: 'update', key: 'a' });
    const e = effects[1]!;
    if (e.kind !== 'update') throw new Error('expected update');
    expect(e.rect.x).toBe(0.4);
    expect(e.rect.w).toBeCloseTo(0.3, 6);
    expect(e.rect.h).toBeCloseTo(0.25, 6);
  });
  it('keys map to tools', () => {
    expect(toolForKey('V')).toBe('select');
    expect(toolForKey('c')).toBe('comment');
    expect(toolForKey('f')).toBe('freehand');
    expect(toolForKey('q')).toBeNull();
  });
});

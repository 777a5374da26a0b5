import { describe, expect, it } from 'vitest';
import { apply, emptyHistory, invert, opFor, push, redo, undo, updateCommand, type Command } from './commands';
import { emptyState, type AnnRecord, type AnnState } from './model';

const rec = (key: string, over: Partial<AnnRecord> = {}): AnnRecord => ({
  key,
  id: null,
  version: 0,
  pagePosition: 0,
  type: 'COMMENT',
  x: 0.1,
  y: 0.1,
  w: 0.2,
  h: 0.1,
  content: 'hello',
  points: null,
  scoreDelta: null,
  questionId: null,
  ...over,
});

describe('commands', () => {
  it('create / update / delete are pure state transitions', () => {
    const s0 = emptyState();
    const s1 = apply(s0, { kind: 'create', record: rec('a') });
    expect(s0.order).toEqual([]);
    expect(s1.order).toEqual(['a']);
    const upd = updateCommand(s1.byKey.a!, { x: 0.5, content: 'hello' })!;
    expect(upd).toEqual({ kind: 'update', key: 'a', before: { x: 0.1 }, after: { x: 0.5 } });
    const s2 = apply(s1, upd);
    expect(s2.byKey.a!.x).toBe(0.5);
    expect(s1.byKey.a!.x).toBe(0.1);
    const s3 = apply(s2, { kind: 'delete', record: s2.byKey.a! });
    expect(s3.order).toEqual([]);
  });
  it('updateCommand returns null when nothing changes', () => {
    expect(updateCommand(rec('a'), { x: 0.1, content: 'hello' })).toBeNull();
  });
  it('a re-created annotation is not on the server until acknowledged', () => {
    const s = apply(emptyState(), { kind: 'create', record: rec('a', { id: 'srv', version: 3 }) });
    expect(s.byKey.a!.id).toBeNull();
    expect(s.byKey.a!.version).toBe(0);
  });
  it('invert is an involution', () => {
    const cs: Command[] = [
      { kind: 'create', record: rec('a') },
      { kind: 'delete', record: rec('a') },
      { kind: 'update', key: 'a', before: { x: 0.1 }, after: { x: 0.2 } },
    ];
    for (const c of cs) expect(invert(invert(c))).toEqual(c);
  });
  it('opFor maps commands to server operations', () => {
    expect(opFor({ kind: 'create', record: rec('a') }).kind).toBe('create');
    expect(opFor({ kind: 'delete', record: rec('a') })).toEqual({ kind: 'delete', key: 'a' });
    expect(opFor({ kind: 'update', key: 'a', before: { x: 0.1 }, after: { x: 0.2 } })).toEqual({ kind: 'patch', key: 'a', fields: { x: 0.2 } });
  });
});

describe('undo / redo', () => {
  const strip = (s: AnnState) => s.order.map((k) => ({ ...s.byKey[k]!, id: null, version: 0 }));

  it('undo walks back through every state and redo walks forward again', () => {
    let s = emptyState();
    let h = emptyHistory();
    const states = [strip(s)];
    const doIt = (c: Command) => {
      s = apply(s, c);
      h = push(h, c);
      states.push(strip(s));
    };
    doIt({ kind: 'create', record: rec('a') });
    doIt({ kind: 'create', record: rec('b', { type: 'TICK' }) });
    doIt(updateCommand(s.byKey.a!, { x: 0.4, y: 0.3 })!);
    doIt(updateCommand(s.byKey.a!, { content: 'well done' })!);
    doIt({ kind: 'delete', record: s.byKey.b! });

    for (let i = states.length - 2; i >= 0; i--) {
      const u = undo(h)!;
      h = u.history;
      s = apply(s, u.command);
      expect(strip(s)).toEqual(states[i]);
    }
    expect(undo(h)).toBeNull();
    for (let i = 1; i < states.length; i++) {
      const r = redo(h)!;
      h = r.history;
      s = apply(s, r.command);
      expect(strip(s).sort((p, q) => p.key.localeCompare(q.key))).toEqual([...states[i]!].sort((p, q) => p.key.localeCompare(q.key)));
    }
    expect(redo(h)).toBeNull();
  });
  it('a new action clears the redo stack', () => {
    let h = push(emptyHistory(), { kind: 'create', record: rec('a') });
    h = undo(h)!.history;
    expect(h.future).toHaveLength(1);
    h = push(h, { kind: 'create', record: rec('b') });
    expect(h.future).toHaveLength(0);
    expect(redo(h)).toBeNull();
  });
  it('undo of a delete re-creates the record with its latest fields', () => {
    let s = apply(emptyState(), { kind: 'create', record: rec('a') });
    s = apply(s, updateCommand(s.byKey.a!, { content: 'edited' })!);
    const del: Command = { kind: 'delete', record: s.byKey.a! };
    s = apply(s, del);
    s = apply(s, invert(del));
    expect(s.byKey.a!.content).toBe('edited');
    expect(opFor(invert(del))).toMatchObject({ kind: 'create', body: { content: 'edited' } });
  });
});

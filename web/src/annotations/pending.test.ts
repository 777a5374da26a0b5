import { describe, expect, it } from 'vitest';
import type { Annotation } from '@korrigo/contracts';
import { ApiError } from '../api/errors';
import type { Op } from './commands';
import { type AnnRecord, createBody, stateFromServer } from './model';
import { applyOps, parsePendingWrites, type PendingWrites, planReplay } from './pending';
import { SyncQueue, type SyncApi } from './sync';

const rec = (key: string, over: Partial<AnnRecord> = {}): AnnRecord => ({
  key, id: null, version: 0, pagePosition: 0, type: 'TICK', x: 0.1, y: 0.1, w: 0.05, h: 0.05,
  content: null, points: null, scoreDelta: null, questionId: null, ...over,
});

/** An in-memory server with the API's version rules (409 VERSION_CONFLICT with the current row, 404 when gone). */
class FakeServer {
  rows = new Map<string, Annotation>();
  private seq = 0;
  readonly api: SyncApi = {
    create: async (body) => {
      const id = `s${++this.seq}`;
      const a: Annotation = { id, copyId: 'c', createdBy: 'u', version: 1, createdAt: '', updatedAt: '', ...body, points: body.points ?? null };
      this.rows.set(id, a);
      return { ...a };
    },
    patch: async (id, { version, ...fields }) => {
      const a = this.rows.get(id);
      if (!a) throw new ApiError(404, 'NOT_FOUND', 'gone');
      if (a.version !== version) throw new ApiError(409, 'VERSION_CONFLICT', 'x', { current: { ...a } });
      const next = { ...a, ...fields, version: a.version + 1 } as Annotation;
      this.rows.set(id, next);
      return { ...next };
    },
    remove: async (id, version) => {
      const a = this.rows.get(id);
      if (!a) throw new ApiError(404, 'NOT_FOUND', 'gone');
      if (a.version !== version) throw new ApiError(409, 'VERSION_CONFLICT', 'x', { current: { ...a } });
      this.rows.delete(id);
    },
  };
  list = () => [...this.rows.values()].map((a) => ({ ...a }));
}

/**
 * A desk on `server` whose connection dies after `deliver` more requests: the next one reaches the server but its
 * answer is lost, and nothing is sent after it (the tab is gone). Returns the queue and the local records.
 */
function desk(server: FakeServer, opts: { deliver?: number; choice?: 'theirs' | 'mine' } = {}) {
  let left = opts.deliver ?? Infinity;
  const dead = new Promise<never>(() => {});
  const wrap = <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      if (left <= 0) {
        await fn(...a); // it lands…
        return dead; // …and the answer never comes
      }
      left--;
      return fn(...a);
    };
  const state = { current: stateFromServer(server.list()) };
  const conflicts: string[] = [];
  const q = new SyncQueue(
    { create: wrap(server.api.create), patch: wrap(server.api.patch), remove: wrap(server.api.remove) },
    {
      acknowledged: (key, a) => {
        const r = state.current.byKey[key];
        if (r) state.current = { ...state.current, byKey: { ...state.current.byKey, [key]: { ...r, id: a.id, version: a.version } } };
      },
      adoptTheirs: () => {},
      current: (key) => state.current.byKey[key] ?? null,
      conflict: async (c) => {
        conflicts.push(`${c.op.kind} ${c.key}`);
        return opts.choice ?? 'theirs';
      },
      failed: (op, err) => conflicts.push(`failed ${op.kind} ${(err as ApiError).code}`),
      status: () => {},
    },
    { sleep: async () => {} },
  );
  q.seed(Object.values(state.current.byKey));
  const exec = (op: Op) => {
    state.current = applyOps(state.current, [op]);
    q.enqueue(op);
  };
  return { q, state, exec, conflicts };
}

/** What a reopened desk does with a persisted batch: reconcile with the server, show, replay. */
async function reopen(server: FakeServer, saved: string, choice: 'theirs' | 'mine' = 'theirs') {
  const p = parsePendingWrites(JSON.parse(saved))!;
  expect(p).not.toBeNull();
  const d = desk(server, { choice });
  const plan = planReplay(p, Object.values(d.state.current.byKey));
  d.state.current = applyOps(d.state.current, plan.ops);
  d.q.restore(plan.base, plan.ops);
  await d.q.idle();
  return { ...d, plan };
}

const persist = (q: SyncQueue, token = 'T1') => JSON.stringify({ token, ...q.snapshot()! });
const tick = (x: number) => createBody(rec('', { x }));
const flush = () => new Promise((r) => setTimeout(r, 0));

describe('pending writes: serialization', () => {
  it('a snapshot names records on the server by their id and survives JSON', async () => {
    const server = new FakeServer();
    const seeded = await server.api.create(tick(0.1));
    const d = desk(server, { deliver: 1 });
    d.exec({ kind: 'patch', key: seeded.id, fields: { x: 0.2 } }); // delivered
    d.exec({ kind: 'create', key: 'local-a', body: tick(0.5) }); // lands, answer lost
    d.exec({ kind: 'patch', key: 'local-a', fields: { content: 'ok' } });
    d.exec({ kind: 'delete', key: seeded.id });
    await flush();
    const saved = JSON.parse(persist(d.q));
    const p = parsePendingWrites(saved)!;
    expect(p.token).toBe('T1');
    expect(p.ops.map((o) => `${o.kind} ${o.key}`)).toEqual(['create local-a', 'patch local-a', `delete ${seeded.id}`]);
    expect(p.base).toEqual({ [seeded.id]: { id: seeded.id, version: 2 } });
    expect(p.seen).toEqual([seeded.id]);
    expect(parsePendingWrites(JSON.parse(JSON.stringify(p)))).toEqual(p);
  });

  it('an empty queue has nothing to persist', () => {
    expect(desk(new FakeServer()).q.snapshot()).toBeNull();
  });

  it('a malformed batch is rejected whole, never half-replayed', () => {
    const good = { token: 't', ops: [{ kind: 'create', key: 'a', body: tick(0.1) }, { kind: 'patch', key: 'a', fields: { x: 0.3 } }], base: {}, seen: [] };
    expect(parsePendingWrites(good)).not.toBeNull();
    const bad = (over: Record<string, unknown>) => parsePendingWrites({ ...good, ...over });
    expect(bad({ ops: [...good.ops, { kind: 'patch', key: 'a', fields: { x: 'left' } }] })).toBeNull();
    expect(bad({ ops: [...good.ops, { kind: 'patch', key: 'a', fields: { id: 'evil' } }] })).toBeNull();
    expect(bad({ ops: [{ kind: 'create', key: 'a', body: { ...tick(0.1), type: 'BOMB' } }] })).toBeNull();
    expect(bad({ ops: [{ kind: 'move', key: 'a' }] })).toBeNull();
    expect(bad({ base: { a: { id: 'x' } } })).toBeNull();
    expect(bad({ seen: undefined })).toBeNull();
    expect(bad({ token: 3 })).toBeNull();
    expect(bad({ ops: [] })).toBeNull();
    expect(parsePendingWrites('nonsense')).toBeNull();
    expect(parsePendingWrites(null)).toBeNull();
  });
});

describe('pending writes: replay after a crash', () => {
  it('a create that landed without its answer is adopted, not made twice; the rest is sent', async () => {
    const server = new FakeServer();
    const d = desk(server, { deliver: 0 });
    d.exec({ kind: 'create', key: 'local-a', body: tick(0.5) });
    d.exec({ kind: 'patch', key: 'local-a', fields: { content: 'see step 2' } });
    await flush();
    const saved = persist(d.q);
    expect(server.list()).toHaveLength(1); // the create landed

    const r = await reopen(server, saved);
    expect(r.plan.ops.map((o) => o.kind)).toEqual(['patch']);
    expect(server.list()).toHaveLength(1);
    expect(server.list()[0]).toMatchObject({ x: 0.5, content: 'see step 2', version: 2 });
    expect(r.conflicts).toEqual([]);
    expect(Object.values(r.state.current.byKey)).toHaveLength(1);
  });

  it('patches the server already shows are dropped; nothing is asked', async () => {
    const server = new FakeServer();
    const a = await server.api.create(tick(0.1));
    const d = desk(server, { deliver: 1 });
    d.exec({ kind: 'patch', key: a.id, fields: { x: 0.2 } });
    await flush();
    // the snapshot is taken before the first answer is seen (the page died between the two)
    const saved = JSON.stringify({ token: 'T1', ops: [{ kind: 'patch', key: a.id, fields: { x: 0.2 } }, { kind: 'patch', key: a.id, fields: { y: 0.4 } }], base: { [a.id]: { id: a.id, version: 1 } }, seen: [a.id] });
    const r = await reopen(server, saved);
    expect(r.plan.ops).toEqual([{ kind: 'patch', key: a.id, fields: { y: 0.4 } }]);
    expect(r.plan.base[a.id]).toEqual({ id: a.id, version: 2 });
    expect(r.conflicts).toEqual([]);
    expect(server.rows.get(a.id)).toMatchObject({ x: 0.2, y: 0.4, version: 3 });
  });

  it('a delete that landed is not replayed; one that did not is', async () => {
    const server = new FakeServer();
    const a = await server.api.create(tick(0.1));
    const b = await server.api.create(tick(0.3));
    const d = desk(server, { deliver: 0 });
    d.exec({ kind: 'delete', key: a.id }); // lands, answer lost
    d.exec({ kind: 'delete', key: b.id }); // never sent
    await flush();
    const saved = persist(d.q);
    expect(server.rows.has(a.id)).toBe(false);
    const r = await reopen(server, saved);
    expect(r.plan.ops).toEqual([{ kind: 'delete', key: b.id }]);
    expect(server.list()).toEqual([]);
    expect(r.conflicts).toEqual([]);
  });

  it('a change made meanwhile by someone else is a conflict, never overwritten silently', async () => {
    const server = new FakeServer();
    const a = await server.api.create(tick(0.1));
    const d = desk(server, { deliver: 0 });
    d.exec({ kind: 'patch', key: a.id, fields: { x: 0.2 } });
    await flush();
    const saved = persist(d.q);
    // my patch landed, then another tab moved it elsewhere
    await server.api.patch(a.id, { version: 2, x: 0.7 });
    const keep = await reopen(server, saved, 'theirs');
    expect(keep.conflicts).toEqual([`patch ${a.id}`]);
    expect(server.rows.get(a.id)).toMatchObject({ x: 0.7, version: 3 });
    const mine = await reopen(server, saved, 'mine');
    expect(mine.conflicts).toEqual([`patch ${a.id}`]);
    expect(server.rows.get(a.id)).toMatchObject({ x: 0.2, version: 4 });
  });

  it('an identical record the desk already knew is not mistaken for a landed create', async () => {
    const server = new FakeServer();
    const a = await server.api.create(tick(0.5));
    // a second tick exactly on the first one; the page dies before it is sent
    const saved = JSON.stringify({ token: 'T1', ops: [{ kind: 'create', key: 'local-b', body: tick(0.5) }], base: {}, seen: [a.id] });
    const r = await reopen(server, saved);
    expect(r.plan.ops.map((o) => o.kind)).toEqual(['create']);
    expect(server.list()).toHaveLength(2);
  });

  it('replaying twice (two reopenings) leaves the server as one replay does', async () => {
    const server = new FakeServer();
    const a = await server.api.create(tick(0.1));
    const d = desk(server, { deliver: 0 });
    d.exec({ kind: 'create', key: 'local-c', body: { ...tick(0.6), type: 'COMMENT', content: 'why?' } });
    d.exec({ kind: 'patch', key: a.id, fields: { x: 0.3 } });
    d.exec({ kind: 'patch', key: 'local-c', fields: { y: 0.6 } });
    await flush();
    const saved = persist(d.q);
    await reopen(server, saved);
    const once = server.list().map(({ id, x, y, content, version }) => ({ id, x, y, content, version }));
    await reopen(server, saved);
    expect(server.list().map(({ id, x, y, content, version }) => ({ id, x, y, content, version }))).toEqual(once);
    expect(once).toHaveLength(2);
    expect(once.find((o) => o.content === 'why?')).toMatchObject({ x: 0.6, y: 0.6 });
    expect(once.find((o) => o.id === a.id)).toMatchObject({ x: 0.3 });
  });
});

describe('applyOps', () => {
  it('shows what the teacher had on screen', () => {
    const s0 = stateFromServer([{ id: 's1', copyId: 'c', createdBy: 'u', version: 1, createdAt: '', updatedAt: '', ...tick(0.1), points: null }]);
    const s = applyOps(s0, [
      { kind: 'create', key: 'local-a', body: tick(0.4) },
      { kind: 'patch', key: 's1', fields: { content: 'moved' } },
      { kind: 'delete', key: 'local-a' },
      { kind: 'create', key: 'local-b', body: tick(0.8) },
    ] satisfies PendingWrites['ops']);
    expect(s.order).toEqual(['s1', 'local-b']);
    expect(s.byKey.s1!.content).toBe('moved');
    expect(s.byKey['local-b']).toMatchObject({ id: null, x: 0.8 });
  });
});

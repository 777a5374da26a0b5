import { describe, expect, it } from 'vitest';
import type { Annotation } from '@korrigo/contracts';
import { ApiError } from '../api/errors';
import { SyncQueue, type Conflict, type Resolution, type SyncApi } from './sync';
import { createBody, type AnnRecord } from './model';

const rec = (key: string, over: Partial<AnnRecord> = {}): AnnRecord => ({
  key, id: null, version: 0, pagePosition: 0, type: 'TICK', x: 0.1, y: 0.1, w: 0.05, h: 0.05,
  content: null, points: null, scoreDelta: null, questionId: null, ...over,
});
const row = (id: string, version: number, over: Partial<Annotation> = {}): Annotation => ({
  id, copyId: 'c', pagePosition: 0, x: 0.1, y: 0.1, w: 0.05, h: 0.05, type: 'TICK', content: null, points: null,
  scoreDelta: null, questionId: null, createdBy: 'u', version, createdAt: '', updatedAt: '', ...over,
});

function setup(api: Partial<SyncApi>, choice: Resolution = 'theirs') {
  const log: string[] = [];
  const conflicts: Conflict[] = [];
  const local = new Map<string, AnnRecord>();
  const q = new SyncQueue(
    {
      create: api.create ?? (async () => row('s1', 1)),
      patch: api.patch ?? (async (id, b) => row(id, b.version + 1)),
      remove: api.remove ?? (async () => {}),
    },
    {
      acknowledged: (k, a) => log.push(`ack ${k} ${a.id} v${a.version}`),
      adoptTheirs: (k, a) => log.push(`theirs ${k} ${a ? a.version : 'gone'}`),
      current: (k) => local.get(k) ?? null,
      conflict: async (c) => {
        conflicts.push(c);
        return choice;
      },
      failed: (op, e) => log.push(`failed ${op.kind} ${(e as ApiError).code}`),
      status: () => {},
    },
    { sleep: async () => {} },
  );
  return { q, log, conflicts, local };
}

describe('SyncQueue', () => {
  it('sends in order with the version it last got', async () => {
    const calls: string[] = [];
    const { q, log } = setup({
      create: async () => {
        calls.push('create');
        return row('s1', 1);
      },
      patch: async (id, b) => {
        calls.push(`patch ${id} v${b.version}`);
        return row(id, b.version + 1);
      },
      remove: async (id, v) => {
        calls.push(`delete ${id} v${v}`);
      },
    });
    q.enqueue({ kind: 'create', key: 'a', body: createBody(rec('a')) });
    q.enqueue({ kind: 'patch', key: 'a', fields: { x: 0.2 } });
    q.enqueue({ kind: 'patch', key: 'a', fields: { x: 0.3 } });
    q.enqueue({ kind: 'delete', key: 'a' });
    await q.idle();
    expect(calls).toEqual(['create', 'patch s1 v1', 'patch s1 v2', 'delete s1 v3']);
    expect(log).toContain('ack a s1 v3');
  });
  it('retries network failures instead of dropping them', async () => {
    let n = 0;
    const { q, log } = setup({
      create: async () => {
        if (n++ < 2) throw new ApiError(0, 'NETWORK', 'down');
        return row('s1', 1);
      },
    });
    q.enqueue({ kind: 'create', key: 'a', body: createBody(rec('a')) });
    await q.idle();
    expect(n).toBe(3);
    expect(log).toEqual(['ack a s1 v1']);
  });
  it('VERSION_CONFLICT → keep theirs adopts the server row and drops my later writes of it', async () => {
    const calls: string[] = [];
    const { q, log, conflicts, local } = setup({
      patch: async (id, b) => {
        calls.push(`patch v${b.version}`);
        throw new ApiError(409, 'VERSION_CONFLICT', 'x', { current: row(id, 5, { x: 0.7 }) });
      },
    });
    q.seed([rec('a', { id: 's1', version: 1 })]);
    local.set('a', rec('a', { id: 's1', version: 1, x: 0.2 }));
    q.enqueue({ kind: 'patch', key: 'a', fields: { x: 0.2 } });
    q.enqueue({ kind: 'patch', key: 'a', fields: { x: 0.3 } });
    await q.idle();
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]!.theirs!.x).toBe(0.7);
    expect(conflicts[0]!.mine!.x).toBe(0.2);
    expect(calls).toEqual(['patch v1']);
    expect(log).toEqual(['theirs a 5']);
  });
  it('VERSION_CONFLICT → overwrite with mine re-sends all my fields at their version', async () => {
    const bodies: Record<string, unknown>[] = [];
    const { q, local } = setup(
      {
        patch: async (id, b) => {
          bodies.push(b);
          if (b.version === 1) throw new ApiError(409, 'VERSION_CONFLICT', 'x', { current: row(id, 4) });
          return row(id, b.version + 1);
        },
      },
      'mine',
    );
    q.seed([rec('a', { id: 's1', version: 1 })]);
    local.set('a', rec('a', { id: 's1', version: 1, x: 0.2, content: 'mine' }));
    q.enqueue({ kind: 'patch', key: 'a', fields: { x: 0.2 } });
    await q.idle();
    expect(bodies[1]).toMatchObject({ version: 4, x: 0.2, content: 'mine', y: 0.1 });
  });
  it('a delete that conflicts can be forced with the current version', async () => {
    const versions: number[] = [];
    const { q } = setup(
      {
        remove: async (_id, v) => {
          versions.push(v);
          if (v === 1) throw new ApiError(409, 'VERSION_CONFLICT', 'x', { current: row('s1', 2) });
        },
      },
      'mine',
    );
    q.seed([rec('a', { id: 's1', version: 1 })]);
    q.enqueue({ kind: 'delete', key: 'a' });
    await q.idle();
    expect(versions).toEqual([1, 2]);
  });
  it('other errors are reported, not swallowed', async () => {
    const { q, log } = setup({ create: async () => { throw new ApiError(409, 'LOCK_REQUIRED', 'x'); } });
    q.enqueue({ kind: 'create', key: 'a', body: createBody(rec('a')) });
    q.enqueue({ kind: 'patch', key: 'a', fields: { x: 0.2 } });
    await q.idle();
    expect(log).toEqual(['failed create LOCK_REQUIRED']);
  });
});

import { describe, expect, it } from 'vitest';
import type { QuestionRubricState } from '@korrigo/contracts';
import { ApiError } from '../../../api/errors';
import { type RubricConflict, RubricSync, type RubricSyncApi } from './rubric-sync';
import type { RubricState, RubricWant } from './rubric-types';

const want = (ids: string[], adjustment: number | null = null): RubricWant => ({ applied: ids.map((itemId) => ({ itemId })), adjustment });
const st = (ids: string[], version: number, adjustment: number | null = null): RubricState => ({ questionId: 'q', version, points: ids.length * 100, ...want(ids, adjustment) });

/** The question's state as the server's 409 carries it (`state`, contracts' QuestionRubricState). */
const stateDto = (s: RubricState): QuestionRubricState => ({
  copyId: 'c',
  questionId: s.questionId,
  mode: 'ADDITIVE',
  applied: s.applied.map((a) => ({ itemId: a.itemId, label: '', comment: '', points: 100, kind: 'DELTA', annotationId: null, pagePosition: a.pagePosition ?? null, x: a.x ?? null, y: a.y ?? null })),
  adjustment: s.adjustment ?? 0,
  score: s.points === null ? null : { questionId: s.questionId, points: s.points, comment: null, version: s.version, updatedBy: 'u', updatedAt: '2026-12-01T00:00:00Z' },
  badges: [],
});

/** A fake server holding one question; `before` runs before each PUT is judged (to simulate another desk). */
function fakeServer(init: RubricState) {
  let cur = init;
  const puts: { version: number; ids: string[] }[] = [];
  let failNext: ApiError | null = null;
  const api: RubricSyncApi = {
    async put(_qid, body) {
      await Promise.resolve();
      puts.push({ version: body.version, ids: body.applied.map((a) => a.itemId) });
      if (failNext) {
        const e = failNext;
        failNext = null;
        throw e;
      }
      if (body.version !== cur.version) throw new ApiError(409, 'VERSION_CONFLICT', 'stale', { state: stateDto(cur) });
      cur = { questionId: 'q', version: cur.version + 1, applied: body.applied, adjustment: body.adjustment, points: body.applied.length * 100 };
      return cur;
    },
    async fetch() {
      return cur;
    },
  };
  return {
    api,
    puts,
    get cur() {
      return cur;
    },
    set cur(s: RubricState) {
      cur = s;
    },
    fail(e: ApiError) {
      failNext = e;
    },
  };
}

function make(server: ReturnType<typeof fakeServer>, answer: (c: RubricConflict) => 'mine' | 'theirs' = () => 'mine') {
  const log = { settled: [] as { s: RubricState; adopted: boolean }[], conflicts: [] as RubricConflict[], failed: [] as { want: RubricWant; err: unknown }[] };
  const sync = new RubricSync(
    server.api,
    {
      settled: (_q, s, adopted) => log.settled.push({ s, adopted }),
      conflict: async (c) => (log.conflicts.push(c), answer(c)),
      failed: (_q, w, err) => log.failed.push({ want: w, err }),
      status: () => undefined,
    },
    { sleep: async () => undefined, retryDelays: [0] },
  );
  sync.seed({ q: server.cur });
  return { sync, log };
}

describe('RubricSync', () => {
  it('sends wishes in order, each at the version the previous answer returned, the latest wish last', async () => {
    const srv = fakeServer(st([], 0));
    const { sync } = make(srv);
    sync.want('q', want(['a']));
    sync.want('q', want(['a', 'b']));
    sync.want('q', want(['a', 'b', 'c']));
    await sync.idle();
    expect(srv.cur.applied.map((a) => a.itemId)).toEqual(['a', 'b', 'c']);
    // the first went out at once; the two made while it was out collapse into one
    expect(srv.puts.map((p) => p.version)).toEqual([0, 1]);
    expect(sync.shown('q')).toEqual(srv.cur);
    expect(sync.pending).toBe(0);
  });

  it('a wish equal to what is shown sends nothing', async () => {
    const srv = fakeServer(st(['a'], 3));
    const { sync } = make(srv);
    expect(sync.want('q', want(['a']))).toBe(false);
    await sync.idle();
    expect(srv.puts).toEqual([]);
  });

  it('a version conflict asks; "keep mine" re-sends my wish at the server version', async () => {
    const srv = fakeServer(st([], 0));
    const { sync, log } = make(srv, () => 'mine');
    srv.cur = st(['z'], 5); // another desk wrote meanwhile
    sync.want('q', want(['a']));
    await sync.idle();
    expect(log.conflicts).toHaveLength(1);
    expect(log.conflicts[0]!.theirs.applied.map((a) => a.itemId)).toEqual(['z']);
    expect(log.conflicts[0]!.mine.applied.map((a) => a.itemId)).toEqual(['a']);
    expect(srv.puts.map((p) => p.version)).toEqual([0, 5]);
    expect(srv.cur.applied.map((a) => a.itemId)).toEqual(['a']);
  });

  it('"keep theirs" adopts the server state and drops my wish, visibly', async () => {
    const srv = fakeServer(st([], 0));
    const { sync, log } = make(srv, () => 'theirs');
    srv.cur = st(['z'], 5);
    sync.want('q', want(['a']));
    await sync.idle();
    expect(sync.shown('q').applied.map((a) => a.itemId)).toEqual(['z']);
    expect(log.settled.at(-1)).toMatchObject({ adopted: true });
    expect(srv.puts).toHaveLength(1);
  });

  it('does not ask when only the points moved (an item edited elsewhere): my wish goes at the new version', async () => {
    const srv = fakeServer(st(['a'], 1));
    const { sync, log } = make(srv);
    srv.cur = { ...st(['a'], 2), points: 999 };
    sync.want('q', { applied: [{ itemId: 'a', pagePosition: 0, x: 0.5, y: 0.5 }], adjustment: null });
    await sync.idle();
    expect(log.conflicts).toEqual([]);
    expect(srv.cur.applied[0]).toMatchObject({ itemId: 'a', x: 0.5 });
    expect(srv.cur.version).toBe(3);
  });

  it('retries network failures and never drops the wish', async () => {
    const srv = fakeServer(st([], 0));
    const { sync } = make(srv);
    srv.fail(new ApiError(0, 'NETWORK', 'down'));
    sync.want('q', want(['a']));
    await sync.idle();
    expect(srv.puts).toHaveLength(2);
    expect(srv.cur.applied.map((a) => a.itemId)).toEqual(['a']);
  });

  it('reports a refused write with the wish (lease lost), and shows the server state', async () => {
    const srv = fakeServer(st(['x'], 2));
    const { sync, log } = make(srv);
    srv.fail(new ApiError(409, 'LOCK_REQUIRED', 'lease gone'));
    sync.want('q', want(['x', 'a']));
    await sync.idle();
    expect(log.failed).toHaveLength(1);
    expect(log.failed[0]!.want.applied.map((a) => a.itemId)).toEqual(['x', 'a']);
    expect(sync.shown('q').applied.map((a) => a.itemId)).toEqual(['x']);
  });

  it('reads the server state when the conflict answer does not carry it', async () => {
    const srv = fakeServer(st([], 0));
    const { sync, log } = make(srv, () => 'mine');
    srv.cur = st(['z'], 4);
    const put = srv.api.put;
    let first = true;
    srv.api.put = async (q, b) => {
      if (first) {
        first = false;
        throw new ApiError(409, 'VERSION_CONFLICT', 'stale', { current: { questionId: 'q', points: 100, version: 4 } });
      }
      return put(q, b);
    };
    sync.want('q', want(['a']));
    await sync.idle();
    expect(log.conflicts[0]!.theirs.version).toBe(4);
    expect(srv.cur.applied.map((a) => a.itemId)).toEqual(['a']);
  });
});

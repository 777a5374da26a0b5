import { describe, expect, it } from 'vitest';
import type { Score } from '@korrigo/contracts';
import { ApiError } from '../../api/errors';
import { type Resolution, type ScoreConflict, ScoreSync, type Want } from './score-sync';

/** A server with the real route's rules: PUT without a version creates, with one updates only that version. */
function fakeServer() {
  const rows = new Map<string, Score>();
  const log: string[] = [];
  let down = 0;
  const conflict = (qid: string) => new ApiError(409, 'VERSION_CONFLICT', 'changed', { current: rows.get(qid) ?? null });
  return {
    rows,
    log,
    /** the next n requests fail as if the network were down (the request never arrives) */
    cut(n: number) {
      down = n;
    },
    async put(qid: string, body: { points: number; comment: string | null; version?: number }): Promise<Score> {
      if (down > 0 && down--) throw new ApiError(0, 'NETWORK', 'offline');
      const cur = rows.get(qid);
      if (body.version === undefined ? cur : !cur || cur.version !== body.version) throw conflict(qid);
      const s: Score = { questionId: qid, points: body.points, comment: body.comment, version: (cur?.version ?? 0) + 1, updatedBy: 'u', updatedAt: '' };
      rows.set(qid, s);
      log.push(`put ${qid}=${body.points} v${s.version}`);
      return s;
    },
    async remove(qid: string, version: number) {
      if (down > 0 && down--) throw new ApiError(0, 'NETWORK', 'offline');
      const cur = rows.get(qid);
      if (!cur) throw new ApiError(404, 'NOT_FOUND', 'gone');
      if (cur.version !== version) throw conflict(qid);
      rows.delete(qid);
      log.push(`delete ${qid}`);
    },
  };
}
type Server = ReturnType<typeof fakeServer>;

/** One desk tab: its queue, the conflicts it was shown, and how it answers them. */
function tab(server: Server, answer: (c: ScoreConflict) => Promise<Resolution> | Resolution = () => 'theirs', sleep = async (_ms: number) => {}) {
  const conflicts: ScoreConflict[] = [];
  const failures: unknown[] = [];
  const statuses: [number, boolean][] = [];
  const sync = new ScoreSync(
    { put: (q, b) => server.put(q, b), remove: (q, v) => server.remove(q, v) },
    {
      settled: () => {},
      conflict: async (c) => {
        conflicts.push(c);
        return answer(c);
      },
      failed: (_q, _w, e) => failures.push(e),
      status: (p, o) => statuses.push([p, o]),
    },
    { sleep },
  );
  sync.seed([...server.rows.values()]);
  return { sync, conflicts, failures, statuses };
}
const pts = (points: number, comment = ''): Want => ({ points, comment });
const held = (server: Server, qid: string) => server.rows.get(qid) ?? null;

describe('ScoreSync: defect 1, two tabs on one copy', () => {
  /** Tab A sets 1a = 1 then 2; tab B, still showing 1, confirms 0.5 with Enter — and the focus leaving confirms again. */
  async function twoTabs(choice: Resolution) {
    const server = fakeServer();
    const a = tab(server);
    a.sync.enqueue('1a', pts(100));
    await a.sync.idle();
    const b = tab(server, () => choice); // opened now: sees 1 (version 1)
    a.sync.enqueue('1a', pts(200));
    await a.sync.idle();
    expect(held(server, '1a')).toMatchObject({ points: 200, version: 2 });
    expect(b.sync.enqueue('1a', pts(50))).toBe(true); // Enter
    expect(b.sync.enqueue('1a', pts(50))).toBe(false); // blur of the same field: coalesced
    await b.sync.idle();
    return { server, a, b };
  }

  it('keep theirs: tab B adopts 2 and nothing of its own goes through', async () => {
    const { server, b } = await twoTabs('theirs');
    expect(b.conflicts).toHaveLength(1);
    expect(b.conflicts[0]).toMatchObject({ qid: '1a', mine: pts(50), theirs: { points: 200, version: 2 } });
    expect(held(server, '1a')).toMatchObject({ points: 200, version: 2 });
    expect(b.sync.shown('1a')).toEqual(pts(200));
    expect(b.sync.saved('1a')?.version).toBe(2);
    expect(server.log).toEqual(['put 1a=100 v1', 'put 1a=200 v2']);
  });

  it('keep mine: tab B writes 0.5 at version 2, once', async () => {
    const { server, b } = await twoTabs('mine');
    expect(b.conflicts).toHaveLength(1);
    expect(held(server, '1a')).toMatchObject({ points: 50, version: 3 });
    expect(b.sync.shown('1a')).toEqual(pts(50));
    expect(server.log).toEqual(['put 1a=100 v1', 'put 1a=200 v2', 'put 1a=50 v3']);
  });

  it('a second confirmation arriving while the dialog is open is not sent behind "keep theirs"', async () => {
    const server = fakeServer();
    server.rows.set('1a', { questionId: '1a', points: 100, comment: null, version: 1, updatedBy: 'u', updatedAt: '' });
    const b = tab(server, async (): Promise<Resolution> => {
      // the focus-move confirmation of the old desk came here, while the dialog was shown
      expect(b.sync.enqueue('1a', pts(50))).toBe(false);
      return 'theirs';
    });
    server.rows.set('1a', { questionId: '1a', points: 200, comment: null, version: 2, updatedBy: 'u', updatedAt: '' });
    b.sync.enqueue('1a', pts(50));
    await b.sync.idle();
    expect(held(server, '1a')).toMatchObject({ points: 200, version: 2 });
    expect(b.sync.shown('1a')).toEqual(pts(200));
  });
});

describe('ScoreSync: queueing', () => {
  it('sends writes of a question in order, each with the version the previous one returned', async () => {
    const server = fakeServer();
    const t = tab(server);
    t.sync.enqueue('q', pts(100));
    t.sync.enqueue('q', pts(200));
    t.sync.enqueue('q', null);
    t.sync.enqueue('q', pts(300, 'ok'));
    expect(t.sync.shown('q')).toEqual(pts(300, 'ok'));
    await t.sync.idle();
    expect(server.log).toEqual(['put q=100 v1', 'put q=200 v2', 'delete q', 'put q=300 v1']);
    expect(t.conflicts).toEqual([]);
    expect(t.sync.pending).toBe(0);
  });

  it('coalesces identical consecutive values, and values equal to what the server holds', async () => {
    const server = fakeServer();
    const t = tab(server);
    expect(t.sync.enqueue('q', null)).toBe(false); // no score, clearing: nothing to do
    t.sync.enqueue('q', pts(100));
    expect(t.sync.enqueue('q', pts(100))).toBe(false);
    expect(t.sync.enqueue('q', pts(100, 'x'))).toBe(true); // the comment differs
    await t.sync.idle();
    expect(t.sync.enqueue('q', pts(100, 'x'))).toBe(false);
    expect(server.log).toEqual(['put q=100 v1', 'put q=100 v2']);
  });

  it('a conflict while more writes are queued: one dialog; theirs drops them all, mine sends only the last', async () => {
    for (const choice of ['theirs', 'mine'] as const) {
      const server = fakeServer();
      const t = tab(server, () => choice);
      server.rows.set('q', { questionId: 'q', points: 400, comment: null, version: 5, updatedBy: 'o', updatedAt: '' });
      t.sync.enqueue('q', pts(100)); // built on "no score": conflicts
      t.sync.enqueue('q', pts(200));
      t.sync.enqueue('q', pts(300));
      t.sync.enqueue('other', pts(50)); // another question is not held up
      await t.sync.idle();
      expect(t.conflicts).toHaveLength(1);
      expect(t.conflicts[0]!.mine).toEqual(pts(300));
      if (choice === 'theirs') {
        expect(server.log).toEqual(['put other=50 v1']);
        expect(t.sync.shown('q')).toEqual(pts(400));
      } else {
        expect(server.log).toEqual(['put other=50 v1', 'put q=300 v6']);
        expect(t.sync.shown('q')).toEqual(pts(300));
      }
      expect(t.sync.shown('q')).toEqual({ points: held(server, 'q')!.points, comment: '' });
    }
  });

  it('a network failure is retried, reported offline, then back online', async () => {
    const server = fakeServer();
    const t = tab(server);
    server.cut(2);
    t.sync.enqueue('q', pts(100));
    await t.sync.idle();
    expect(server.log).toEqual(['put q=100 v1']);
    expect(t.statuses.some(([, off]) => off)).toBe(true);
    expect(t.statuses.at(-1)).toEqual([0, false]);
    expect(t.failures).toEqual([]);
  });

  it('a write that landed but whose answer was lost is adopted, not asked about', async () => {
    const server = fakeServer();
    const t = tab(server);
    const put = server.put.bind(server);
    let lost = true;
    server.put = async (q, b) => {
      const s = await put(q, b);
      if (lost) {
        lost = false;
        throw new ApiError(0, 'NETWORK', 'answer lost');
      }
      return s;
    };
    t.sync.enqueue('q', pts(100));
    await t.sync.idle();
    expect(t.conflicts).toEqual([]);
    expect(t.sync.saved('q')).toMatchObject({ points: 100, version: 1 });
  });

  it('a refused write is reported and dropped; the next one goes on', async () => {
    const server = fakeServer();
    const t = tab(server);
    server.put = async () => {
      throw new ApiError(400, 'VALIDATION_FAILED', 'too many points');
    };
    t.sync.enqueue('q', pts(900));
    await t.sync.idle();
    expect(t.failures).toHaveLength(1);
    expect(t.sync.shown('q')).toBeNull();
  });
});

describe('ScoreSync: refresh', () => {
  it('adopts the server score of a question with nothing queued, and leaves a queued one alone', async () => {
    const server = fakeServer();
    const a = tab(server);
    const b = tab(server);
    a.sync.enqueue('q', pts(100));
    a.sync.enqueue('r', pts(100));
    await a.sync.idle();
    expect(b.sync.refresh('q', held(server, 'q'))).toBe(true);
    expect(b.sync.shown('q')).toEqual(pts(100));
    expect(b.sync.refresh('q', held(server, 'q'))).toBe(false); // same version: nothing new
    server.cut(1);
    b.sync.enqueue('r', pts(300)); // built on no score: will conflict once sent
    expect(b.sync.refresh('r', held(server, 'r'))).toBe(false);
    expect(b.sync.shown('r')).toEqual(pts(300));
  });
});

describe('ScoreSync: a reload with a queue persisted in the draft', () => {
  it('replays what builds on the server state, drops what is there already, and asks about what is older', async () => {
    const server = fakeServer();
    // this tab's retries wait forever: it is closed while offline
    const before = tab(server, () => 'theirs', () => new Promise(() => {}));
    before.sync.enqueue('a', pts(100));
    await before.sync.idle();
    server.cut(3); // the tab goes offline, then is closed with its queue saved in the draft
    before.sync.enqueue('a', pts(150));
    before.sync.enqueue('b', pts(200));
    before.sync.enqueue('c', pts(300));
    await new Promise((r) => setTimeout(r, 0));
    const saved = JSON.parse(JSON.stringify(before.sync.snapshot()));
    expect(saved).toEqual([
      { qid: 'a', want: pts(150), base: 1 },
      { qid: 'b', want: pts(200), base: 0 },
      { qid: 'c', want: pts(300), base: 0 },
    ]);
    server.cut(0);
    // meanwhile another tab changed a; c landed before the page died
    await server.put('a', { points: 50, comment: null, version: 1 });
    await server.put('c', { points: 300, comment: null });
    server.log.length = 0;

    const after = tab(server, () => 'theirs');
    after.sync.restore(saved);
    await after.sync.idle();
    expect(after.conflicts.map((c) => [c.qid, c.mine, c.theirs?.points])).toEqual([['a', pts(150), 50]]);
    expect(server.log).toEqual(['put b=200 v1']);
    expect(after.sync.shown('a')).toEqual(pts(50));

    // keep mine instead: the draft's value goes out at the server's version
    const mine = tab(server, () => 'mine');
    mine.sync.restore([{ qid: 'a', want: pts(150), base: 1 }]);
    await mine.sync.idle();
    expect(held(server, 'a')).toMatchObject({ points: 150, version: 3 });
  });
});

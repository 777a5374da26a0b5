/**
 * Sends the desk's score writes to the server (the scores' counterpart of annotations/sync.ts). Per question, writes
 * go out one at a time, in order, each with the version the previous answer returned; a write identical to the one
 * queued before it (Enter, then the focus leaving the field) is dropped. A 409 VERSION_CONFLICT pauses that question's
 * queue and asks once: "keep theirs" drops every write queued for it and adopts the server's score, "keep mine"
 * re-sends the value the field shows at the server's version. Network failures are retried, never dropped.
 * Invariant: what the field shows is the server's score or the last value queued for it — never a third value.
 */
import type { Score } from '@korrigo/contracts';
import { ApiError } from '../../api/errors';

/** A score as the teacher wants it; null clears it. */
export type Want = { points: number; comment: string } | null;

export interface ScoreSyncApi {
  put(qid: string, body: { points: number; comment: string | null; version?: number }): Promise<Score>;
  remove(qid: string, version: number): Promise<void>;
}

export interface ScoreConflict {
  qid: string;
  /** the value the field shows (the last one queued) */
  mine: Want;
  /** the server's score now, null if it has none */
  theirs: Score | null;
}
export type Resolution = 'theirs' | 'mine';

export interface ScoreSyncHooks {
  /** the server now holds `s` (an answer, or "keep theirs" when `adopted`) */
  settled(qid: string, s: Score | null, adopted: boolean): void;
  conflict(c: ScoreConflict): Promise<Resolution>;
  /** a write that cannot succeed (validation, lease lost…); it is dropped */
  failed(qid: string, want: Want, err: unknown): void;
  status(pending: number, offline: boolean): void;
}

/** A draft's unsent score: the value and the server version it was based on (0: no score then). */
export interface PendingScore {
  qid: string;
  want: Want;
  base: number;
}

export const sameScore = (want: Want, s: Score | null | undefined): boolean =>
  want === null ? !s : !!s && s.points === want.points && (s.comment ?? '') === want.comment;
const sameWant = (a: Want, b: Want) => (a === null || b === null ? a === b : a.points === b.points && a.comment === b.comment);

export class ScoreSync {
  private server = new Map<string, Score | null>();
  /** per question: the head is in flight (or waiting for a conflict's answer) */
  private queues = new Map<string, Want[]>();
  private running = new Set<string>();
  private offline = false;
  private idleWaiters: (() => void)[] = [];
  private readonly retryDelays: number[];
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly api: ScoreSyncApi,
    private readonly hooks: ScoreSyncHooks,
    opts: { retryDelays?: number[]; sleep?: (ms: number) => Promise<void> } = {},
  ) {
    this.retryDelays = opts.retryDelays ?? [1000, 2000, 4000, 8000, 15000];
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Scores loaded from the server. */
  seed(scores: Score[]) {
    for (const s of scores) this.server.set(s.questionId, s);
  }

  /**
   * The server's score read again (the teacher came back to this tab): adopted when nothing is queued for the
   * question, so a tab left open shows what the server holds. The caller leaves out fields being typed in.
   */
  refresh(qid: string, s: Score | null): boolean {
    if (this.isQueued(qid) || (this.saved(qid)?.version ?? 0) === (s?.version ?? 0)) return false;
    this.server.set(qid, s);
    this.hooks.settled(qid, s, true);
    return true;
  }

  /** The server's score as last known. */
  saved(qid: string): Score | null {
    return this.server.get(qid) ?? null;
  }

  /** What the field must show: the last value queued, else the server's score. */
  shown(qid: string): Want {
    const q = this.queues.get(qid);
    if (q?.length) return q[q.length - 1]!;
    const s = this.saved(qid);
    return s ? { points: s.points, comment: s.comment ?? '' } : null;
  }

  get pending() {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  isQueued(qid: string) {
    return (this.queues.get(qid)?.length ?? 0) > 0;
  }

  /** Queues a write; false when it changes nothing (same as the value queued before it, or as the server's). */
  enqueue(qid: string, want: Want): boolean {
    if (sameWant(want, this.shown(qid))) return false;
    const q = this.queues.get(qid) ?? [];
    q.push(want);
    this.queues.set(qid, q);
    this.report();
    void this.run(qid);
    return true;
  }

  /** The writes not yet answered, for the draft: per question the visible value and the version it builds on. */
  snapshot(): PendingScore[] {
    const out: PendingScore[] = [];
    for (const [qid, q] of this.queues) if (q.length) out.push({ qid, want: q[q.length - 1]!, base: this.saved(qid)?.version ?? 0 });
    return out;
  }

  /**
   * Replays a draft's unsent scores against the server's state now (seed first). One based on the version the
   * server still has goes out; one the server already shows is dropped; one based on an older version is a
   * conflict for the teacher — never applied silently.
   */
  restore(entries: PendingScore[]) {
    for (const e of entries) {
      const cur = this.saved(e.qid);
      if (sameScore(e.want, cur)) continue;
      if ((cur?.version ?? 0) === e.base) {
        this.enqueue(e.qid, e.want);
        continue;
      }
      this.queues.set(e.qid, [e.want]);
      this.report();
      void this.run(e.qid, cur);
    }
  }

  /** Resolves when every queued write has been answered. */
  idle(): Promise<void> {
    if (this.running.size === 0 && this.pending === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private report() {
    this.hooks.status(this.pending, this.offline);
  }

  /** `staleAgainst`: the first write is known to be stale (restored draft): ask before sending anything. */
  private async run(qid: string, staleAgainst?: Score | null) {
    if (this.running.has(qid)) return;
    this.running.add(qid);
    try {
      const q = this.queues.get(qid)!;
      let stale = staleAgainst !== undefined;
      while (q.length) {
        await this.process(qid, q[0]!, stale ? { theirs: staleAgainst ?? null } : null);
        stale = false;
        q.shift();
        this.report();
      }
    } finally {
      this.running.delete(qid);
      if (this.running.size === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Sends the head write, retrying network failures; resolves once it is settled one way or another. */
  private async process(qid: string, want: Want, conflict: { theirs: Score | null } | null): Promise<void> {
    for (let attempt = 0; ; ) {
      try {
        if (conflict) {
          const again = await this.resolve(qid, conflict.theirs);
          conflict = null;
          if (again === undefined) return;
          want = again;
        }
        await this.send(qid, want);
        if (this.offline) {
          this.offline = false;
          this.report();
        }
        return;
      } catch (err) {
        if (err instanceof ApiError && err.isNetwork) {
          this.offline = true;
          this.report();
          await this.sleep(this.retryDelays[Math.min(attempt++, this.retryDelays.length - 1)]!);
          continue;
        }
        if (err instanceof ApiError && err.code === 'VERSION_CONFLICT') {
          conflict = { theirs: (err.extra.current as Score | null | undefined) ?? null };
          continue;
        }
        this.hooks.failed(qid, want, err);
        return;
      }
    }
  }

  private async send(qid: string, want: Want) {
    const cur = this.saved(qid);
    if (want === null) {
      if (!cur) return;
      try {
        await this.api.remove(qid, cur.version);
      } catch (err) {
        // already gone is what we wanted
        if (!(err instanceof ApiError && err.status === 404)) throw err;
      }
      this.server.set(qid, null);
      this.hooks.settled(qid, null, false);
      return;
    }
    if (sameScore(want, cur)) return;
    const s = await this.api.put(qid, { points: want.points, comment: want.comment || null, version: cur?.version });
    this.server.set(qid, s);
    this.hooks.settled(qid, s, false);
  }

  /** Asks the teacher; returns the value to send (keep mine) or undefined when settled (keep theirs). */
  private async resolve(qid: string, theirs: Score | null): Promise<Want | undefined> {
    this.server.set(qid, theirs);
    const q = this.queues.get(qid)!;
    // a write that landed but whose answer was lost comes back as a conflict with my own value: nothing to ask
    const choice = sameScore(this.shown(qid), theirs) ? 'theirs' : await this.hooks.conflict({ qid, mine: this.shown(qid), theirs });
    if (choice === 'theirs') {
      q.splice(1); // the head is shifted by run(); everything queued behind it was built on my value
      this.hooks.settled(qid, theirs, true);
      return undefined;
    }
    // keep mine: the value the field shows now (typed during the dialog too), at the server's version
    const mine = q[q.length - 1]!;
    q.splice(0, q.length, mine);
    return mine;
  }
}

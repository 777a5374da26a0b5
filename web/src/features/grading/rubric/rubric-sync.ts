/**
 * Sends a copy's rubric applications to the server (the rubric's counterpart of score-sync.ts). A write is the
 * whole state of one question (items applied, badge places, adjustment), so per question only the latest wish
 * matters: one PUT at a time, each with the version the previous answer returned; a wish made while a PUT is out
 * goes next. A 409 VERSION_CONFLICT asks once — unless the server already holds what I want, or holds the same
 * items and adjustment (an item edited elsewhere changed only the points): "keep theirs" adopts the server's state,
 * "keep mine" sends my wish at the server's version. Network failures are retried, never dropped. A refused write
 * (lease lost, validation) is reported with the wish, which the desk offers to send again: nothing is lost silently.
 */
import { ApiError } from '../../../api/errors';
import type { QuestionRubricState } from '@korrigo/contracts';
import { normState } from './normalize';
import { sameScoring, sameWant } from './rubric-score';
import type { RubricState, RubricWant } from './rubric-types';

export interface RubricSyncApi {
  put(qid: string, body: { version: number; applied: RubricWant['applied']; adjustment: number | null }): Promise<RubricState>;
  /** the server's state of the question now (when a conflict's answer does not carry it) */
  fetch(qid: string): Promise<RubricState>;
}

export interface RubricConflict {
  qid: string;
  mine: RubricWant;
  theirs: RubricState;
}
export type RubricResolution = 'theirs' | 'mine';

export interface RubricSyncHooks {
  settled(qid: string, s: RubricState, adopted: boolean): void;
  conflict(c: RubricConflict): Promise<RubricResolution>;
  failed(qid: string, want: RubricWant, err: unknown): void;
  status(pending: number, offline: boolean): void;
}

const none = (qid: string): RubricState => ({ questionId: qid, version: 0, applied: [], adjustment: null, points: null });

export class RubricSync {
  private server = new Map<string, RubricState>();
  private wanted = new Map<string, RubricWant>();
  private running = new Set<string>();
  private offline = false;
  private idleWaiters: (() => void)[] = [];
  private readonly retryDelays: number[];
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly api: RubricSyncApi,
    private readonly hooks: RubricSyncHooks,
    opts: { retryDelays?: number[]; sleep?: (ms: number) => Promise<void> } = {},
  ) {
    this.retryDelays = opts.retryDelays ?? [1000, 2000, 4000, 8000, 15000];
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** The server's states as loaded; a question with a wish waiting keeps what it knows. Returns the adopted ones. */
  seed(states: Record<string, RubricState>): string[] {
    const adopted: string[] = [];
    for (const [qid, s] of Object.entries(states)) {
      if (this.wanted.has(qid) || this.running.has(qid)) continue;
      this.server.set(qid, s);
      adopted.push(qid);
    }
    return adopted;
  }

  saved(qid: string): RubricState {
    return this.server.get(qid) ?? none(qid);
  }

  /** What the panel shows: my latest wish, else the server's state. */
  shown(qid: string): RubricWant {
    return this.wanted.get(qid) ?? this.saved(qid);
  }

  get pending() {
    return this.wanted.size;
  }

  /** The server's state read again (an item edited elsewhere): adopted when no wish is waiting. */
  refresh(s: RubricState): boolean {
    if (this.wanted.has(s.questionId) || this.saved(s.questionId).version === s.version) return false;
    this.server.set(s.questionId, s);
    this.hooks.settled(s.questionId, s, true);
    return true;
  }

  /** A new wish for the question; false when it changes nothing. */
  want(qid: string, w: RubricWant): boolean {
    if (sameWant(w, this.shown(qid))) return false;
    if (sameWant(w, this.saved(qid)) && !this.running.has(qid)) this.wanted.delete(qid);
    else this.wanted.set(qid, w);
    this.report();
    void this.run(qid);
    return true;
  }

  idle(): Promise<void> {
    if (this.running.size === 0 && this.wanted.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private report() {
    this.hooks.status(this.pending, this.offline);
  }

  private async run(qid: string) {
    if (this.running.has(qid)) return;
    this.running.add(qid);
    try {
      for (;;) {
        const w = this.wanted.get(qid);
        if (!w) break;
        if (sameWant(w, this.saved(qid))) {
          this.wanted.delete(qid);
          this.hooks.settled(qid, this.saved(qid), false);
          break;
        }
        await this.process(qid, w);
      }
    } finally {
      this.running.delete(qid);
      this.report();
      if (this.running.size === 0) for (const f of this.idleWaiters.splice(0)) f();
    }
  }

  /** Sends one wish, retrying network failures; settles it one way or another. */
  private async process(qid: string, w: RubricWant): Promise<void> {
    for (let attempt = 0; ; ) {
      try {
        const s = await this.api.put(qid, { version: this.saved(qid).version, applied: w.applied, adjustment: w.adjustment });
        this.server.set(qid, { ...s, questionId: qid });
        // a newer wish made meanwhile stays (run() sends it next)
        if (this.wanted.get(qid) === w) this.wanted.delete(qid);
        if (this.offline) this.offline = false;
        this.hooks.settled(qid, this.saved(qid), false);
        return;
      } catch (err) {
        if (err instanceof ApiError && err.isNetwork) {
          this.offline = true;
          this.report();
          await this.sleep(this.retryDelays[Math.min(attempt++, this.retryDelays.length - 1)]!);
          continue;
        }
        if (err instanceof ApiError && err.code === 'VERSION_CONFLICT') {
          await this.conflict(qid, err);
          return;
        }
        if (this.wanted.get(qid) === w) this.wanted.delete(qid);
        this.hooks.failed(qid, w, err);
        return;
      }
    }
  }

  private async conflict(qid: string, err: ApiError) {
    // the server sends the question's rubric state as `state` (and its score as `current`)
    const cur = err.extra.state ?? err.extra.current;
    let theirs: RubricState;
    if (cur && typeof cur === 'object' && Array.isArray((cur as { applied?: unknown }).applied)) theirs = { ...normState(cur as QuestionRubricState), questionId: qid };
    else {
      try {
        theirs = await this.api.fetch(qid);
      } catch {
        // cannot read the server's state: keep the wish, try again later
        await this.sleep(this.retryDelays[0]!);
        return;
      }
    }
    this.server.set(qid, theirs);
    const mine = this.shown(qid);
    // the server holds what I want (an answer that got lost), or only the points moved (an item edited elsewhere)
    const choice = sameScoring(mine, theirs) ? (sameWant(mine, theirs) ? 'theirs' : 'mine') : await this.hooks.conflict({ qid, mine, theirs });
    if (choice === 'theirs') {
      this.wanted.delete(qid);
      this.hooks.settled(qid, theirs, true);
    }
    // 'mine': the wish stays; run() sends the latest one at the server's version
  }
}

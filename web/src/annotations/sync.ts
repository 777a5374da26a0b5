/**
 * Sends the overlay's operations to the server one at a time, in order (a patch never overtakes the create it
 * depends on). Versions travel with every write; a 409 VERSION_CONFLICT pauses the queue until the teacher chooses
 * (keep theirs / overwrite with mine). Network failures are retried, never dropped.
 */
import type { Annotation } from '@korrigo/contracts';
import { ApiError } from '../api/errors';
import type { Op } from './commands';
import { type AnnFields, type AnnRecord, createBody, pickFields } from './model';
import type { PendingWrites, ServerRef } from './pending';

export interface SyncApi {
  create(body: ReturnType<typeof createBody>): Promise<Annotation>;
  patch(id: string, body: Partial<AnnFields> & { version: number }): Promise<Annotation>;
  remove(id: string, version: number): Promise<void>;
}

export interface Conflict {
  key: string;
  op: Op;
  /** my current record, null if I deleted it */
  mine: AnnRecord | null;
  /** the server's current row, null if it was deleted there */
  theirs: Annotation | null;
}
export type Resolution = 'theirs' | 'mine';

export interface SyncHooks {
  /** the server acknowledged a write: record `key` now has this id/version */
  acknowledged(key: string, a: Annotation): void;
  /** keep theirs: replace (or remove, when null) the local record */
  adoptTheirs(key: string, theirs: Annotation | null): void;
  /** the local record as it is now (null if deleted locally) */
  current(key: string): AnnRecord | null;
  conflict(c: Conflict): Promise<Resolution>;
  /** a write that cannot succeed (validation, lease lost…) */
  failed(op: Op, err: unknown): void;
  status(pending: number, offline: boolean): void;
}

export interface SyncOptions {
  retryDelays?: number[];
  sleep?: (ms: number) => Promise<void>;
}

export class SyncQueue {
  private server = new Map<string, { id: string; version: number }>();
  private queue: Op[] = [];
  private running = false;
  private offline = false;
  private idleWaiters: (() => void)[] = [];
  private readonly retryDelays: number[];
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly api: SyncApi,
    private readonly hooks: SyncHooks,
    opts: SyncOptions = {},
  ) {
    this.retryDelays = opts.retryDelays ?? [1000, 2000, 4000, 8000, 15000];
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Records loaded from the server. */
  seed(records: AnnRecord[]) {
    for (const r of records) if (r.id) this.server.set(r.key, { id: r.id, version: r.version });
  }

  get pending() {
    return this.queue.length;
  }

  /**
   * The operations not yet answered, to persist (pending.ts): keys of records on the server become their ids,
   * which is how a reloaded desk knows them. Null when nothing is waiting.
   */
  snapshot(): Omit<PendingWrites, 'token'> | null {
    if (!this.queue.length) return null;
    const base: Record<string, ServerRef> = {};
    const ops = this.queue.map((op) => {
      const known = this.server.get(op.key);
      if (!known) return op;
      base[known.id] = { ...known };
      return { ...op, key: known.id };
    });
    return { ops, base, seen: [...this.server.values()].map((s) => s.id) };
  }

  /** Replays persisted operations (already reconciled by planReplay) from the server identities they were based on. */
  restore(base: Record<string, ServerRef>, ops: Op[]) {
    for (const [key, ref] of Object.entries(base)) this.server.set(key, { ...ref });
    this.queue.push(...ops);
    this.report();
    void this.run();
  }

  enqueue(op: Op) {
    this.queue.push(op);
    this.report();
    void this.run();
  }

  /** Resolves when every queued operation has been answered. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private report() {
    this.hooks.status(this.queue.length, this.offline);
  }

  private async run() {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length) {
        const op = this.queue[0]!;
        await this.process(op);
        this.queue.shift();
        this.report();
      }
    } finally {
      this.running = false;
      const waiters = this.idleWaiters.splice(0);
      for (const w of waiters) w();
    }
  }

  /** Sends one op, retrying network failures; resolves once it is settled one way or another. */
  private async process(op: Op): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.send(op);
        if (this.offline) {
          this.offline = false;
          this.report();
        }
        return;
      } catch (err) {
        if (err instanceof ApiError && err.isNetwork) {
          this.offline = true;
          this.report();
          await this.sleep(this.retryDelays[Math.min(attempt, this.retryDelays.length - 1)]!);
          continue;
        }
        if (err instanceof ApiError && (err.code === 'VERSION_CONFLICT' || (err.status === 404 && op.kind === 'patch'))) {
          const theirs = err.code === 'VERSION_CONFLICT' ? ((err.extra.current as Annotation | null | undefined) ?? null) : null;
          const again = await this.resolve(op, theirs);
          if (again) {
            op = again;
            continue;
          }
          return;
        }
        this.hooks.failed(op, err);
        return;
      }
    }
  }

  private async send(op: Op) {
    const known = this.server.get(op.key);
    switch (op.kind) {
      case 'create': {
        if (known) return; // already there (a retried request that did land)
        const a = await this.api.create(op.body);
        this.server.set(op.key, { id: a.id, version: a.version });
        this.hooks.acknowledged(op.key, a);
        return;
      }
      case 'patch': {
        if (!known) return; // its create failed and was reported; nothing to patch
        const a = await this.api.patch(known.id, { ...op.fields, version: known.version });
        this.server.set(op.key, { id: a.id, version: a.version });
        this.hooks.acknowledged(op.key, a);
        return;
      }
      case 'delete': {
        if (!known) return;
        try {
          await this.api.remove(known.id, known.version);
        } catch (err) {
          // already gone is what we wanted
          if (!(err instanceof ApiError && err.status === 404)) throw err;
        }
        this.server.delete(op.key);
        return;
      }
    }
  }

  /** Asks the teacher; returns the op to retry (for "mine") or null when settled. */
  private async resolve(op: Op, theirs: Annotation | null): Promise<Op | null> {
    const mine = this.hooks.current(op.key);
    const choice = await this.hooks.conflict({ key: op.key, op, mine, theirs });
    if (choice === 'theirs') {
      if (theirs) this.server.set(op.key, { id: theirs.id, version: theirs.version });
      else this.server.delete(op.key);
      this.hooks.adoptTheirs(op.key, theirs);
      // later queued writes of this record were built on my version: drop them with it
      this.queue = [this.queue[0]!, ...this.queue.slice(1).filter((o) => o.key !== op.key)];
      return null;
    }
    if (!theirs) {
      // deleted elsewhere, and I keep mine: create it again
      this.server.delete(op.key);
      return mine ? { kind: 'create', key: op.key, body: createBody(mine) } : null;
    }
    this.server.set(op.key, { id: theirs.id, version: theirs.version });
    if (op.kind === 'delete') return op;
    // overwrite with mine: every field as I see it, so the result is exactly my version
    return mine ? { kind: 'patch', key: op.key, fields: pickFields(mine) } : null;
  }
}

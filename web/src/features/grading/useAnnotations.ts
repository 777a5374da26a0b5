/** Glue between the pure annotation model (state, commands, history) and the sync queue that talks to the server. */
import type { Annotation } from '@korrigo/contracts';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../../api/client';
import { ApiError } from '../../api/errors';
import { apply, type Command, emptyHistory, type History, type Op, opFor, push, redo as redoH, undo as undoH } from '../../annotations/commands';
import { type AnnRecord, type AnnState, fromServer, stateFromServer } from '../../annotations/model';
import { applyOps, type PendingWrites, planReplay } from '../../annotations/pending';
import { type Conflict, type Resolution, SyncQueue } from '../../annotations/sync';

export interface PendingConflict extends Conflict {
  resolve(r: Resolution): void;
}

export function useAnnotations(copyId: string, initial: Annotation[], tokenRef: { current: string | null }, onLockLost: () => void) {
  const [state, setState] = useState<AnnState>(() => stateFromServer(initial));
  const stateRef = useRef(state);
  stateRef.current = state;
  const [history, setHistory] = useState<History>(emptyHistory);
  const historyRef = useRef(history);
  historyRef.current = history;
  const [selected, setSelected] = useState<string | null>(null);
  const [sync, setSync] = useState({ pending: 0, offline: false });
  /** the queue's unanswered writes, kept in the draft so they survive a tab close */
  const [unanswered, setUnanswered] = useState<Omit<PendingWrites, 'token'> | null>(null);
  const [conflicts, setConflicts] = useState<PendingConflict[]>([]);
  const [failures, setFailures] = useState<{ op: Op; error: unknown }[]>([]);
  const lostRef = useRef(onLockLost);
  lostRef.current = onLockLost;

  const update = useCallback((fn: (s: AnnState) => AnnState) => {
    stateRef.current = fn(stateRef.current);
    setState(stateRef.current);
  }, []);

  const queue = useMemo(() => {
    const token = () => tokenRef.current ?? '';
    const q = new SyncQueue(
      {
        create: (body) => api.createAnnotation(copyId, token(), body),
        patch: (id, body) => api.patchAnnotation(id, token(), body as Record<string, unknown> & { version: number }),
        remove: (id, version) => api.deleteAnnotation(id, token(), version),
      },
      {
        acknowledged: (key, a) =>
          update((s) => {
            const rec = s.byKey[key];
            return rec ? { ...s, byKey: { ...s.byKey, [key]: { ...rec, id: a.id, version: a.version } } } : s;
          }),
        adoptTheirs: (key, a) =>
          update((s) => {
            if (!a) return apply(s, { kind: 'delete', record: { key } as AnnRecord });
            const rec = fromServer(a, key);
            return s.byKey[key]
              ? { ...s, byKey: { ...s.byKey, [key]: rec } }
              : { byKey: { ...s.byKey, [key]: rec }, order: [...s.order, key] };
          }),
        current: (key) => stateRef.current.byKey[key] ?? null,
        conflict: (c) =>
          new Promise<Resolution>((resolve) => {
            setConflicts((cs) => [
              ...cs,
              {
                ...c,
                resolve: (r) => {
                  setConflicts((xs) => xs.filter((x) => x.key !== c.key || x.op !== c.op));
                  resolve(r);
                },
              },
            ]);
          }),
        failed: (op, error) => {
          if (error instanceof ApiError && error.code === 'LOCK_REQUIRED') lostRef.current();
          setFailures((f) => [...f, { op, error }]);
        },
        status: (pending, offline) => {
          setSync({ pending, offline });
          setUnanswered(q.snapshot());
        },
      },
    );
    q.seed(Object.values(stateFromServer(initial).byKey));
    return q;
    // the queue lives as long as the desk shows this copy
  }, [copyId]);

  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (queue.pending > 0) e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [queue]);

  const run = useCallback(
    (c: Command) => {
      update((s) => apply(s, c));
      queue.enqueue(opFor(c));
    },
    [queue, update],
  );

  /** A new user action. */
  const exec = useCallback(
    (c: Command | null) => {
      if (!c) return;
      run(c);
      setHistory((h) => (historyRef.current = push(h, c)));
    },
    [run],
  );

  const undo = useCallback(() => {
    const r = undoH(historyRef.current);
    if (!r) return;
    historyRef.current = r.history;
    setHistory(r.history);
    run(r.command);
    if (r.command.kind === 'delete' && selected === r.command.record.key) setSelected(null);
  }, [run, selected]);

  const redo = useCallback(() => {
    const r = redoH(historyRef.current);
    if (!r) return;
    historyRef.current = r.history;
    setHistory(r.history);
    run(r.command);
  }, [run]);

  /** Replays writes persisted by an earlier page (see pending.ts); returns how many are sent again. */
  const replay = useCallback(
    (p: Omit<PendingWrites, 'token'>) => {
      const plan = planReplay(p, Object.values(stateRef.current.byKey));
      if (plan.ops.length) {
        update((s) => applyOps(s, plan.ops));
        queue.restore(plan.base, plan.ops);
      }
      return plan.ops.length;
    },
    [queue, update],
  );

  return {
    state,
    unanswered,
    replay,
    selected,
    setSelected,
    exec,
    undo,
    redo,
    canUndo: history.past.length > 0,
    canRedo: history.future.length > 0,
    sync,
    conflicts,
    failures,
    dismissFailures: () => setFailures([]),
    idle: () => queue.idle(),
  };
}

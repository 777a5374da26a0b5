/**
 * Submit, finalize, Finish (submit + finalize + next copy in one action) and taking back one's own Submit. A copy
 * with unscored questions is refused by the server (409 INCOMPLETE_SCORES); the teacher is then asked, with the
 * questions listed, and the same action is sent again with `allowUnscored` (they are recorded as "not scored").
 */
import type { CopyDetail } from '@korrigo/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import { ApiError } from '../../api/errors';

export type FinalizeState = { kind: 'idle' } | { kind: 'running' } | { kind: 'error'; error: unknown };
export type DeskAction = 'submit' | 'finalize' | 'finish';
/** the server listed these questions as unscored; the teacher confirms or goes back to them */
export interface UnscoredConfirm {
  action: DeskAction;
  unscored: string[];
}

interface Options {
  copy: CopyDetail;
  setCopy(c: CopyDetail): void;
  tokenRef: { current: string | null };
  /** sends everything typed and waits for the answers */
  flushAll(): Promise<void>;
  editable: boolean;
  /** opens the next copy to grade; false when there is none */
  goNext(): Promise<boolean>;
}

/** The copy Finish opens next: the next one still to grade after `idx`, going round; null when none is left. */
export function nextToGrade<T extends { id: string; status: string }>(siblings: T[], idx: number): T | null {
  const others = idx < 0 ? siblings.length : siblings.length - 1;
  for (let i = 1; i <= others; i++) {
    const c = siblings[(idx + i) % siblings.length]!;
    if (c.status === 'READY') return c;
  }
  return null;
}

export const unscoredOf = (err: unknown): string[] | null =>
  err instanceof ApiError && err.code === 'INCOMPLETE_SCORES' ? ((err.extra.unscored as string[] | undefined) ?? []) : null;

export function useFinalize({ copy, setCopy, tokenRef, flushAll, editable, goNext }: Options) {
  const copyId = copy.id;
  const [finalize, setFinalize] = useState<FinalizeState>({ kind: 'idle' });
  const [busy, setBusy] = useState<DeskAction | 'unlock' | null>(null);
  const [confirm, setConfirm] = useState<UnscoredConfirm | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  const refresh = useCallback(async () => setCopy(await api.getCopy(copyId)), [copyId, setCopy]);

  const poll = useCallback(async () => {
    while (alive.current) {
      await new Promise((r) => setTimeout(r, 1000));
      const c = await api.getCopy(copyId);
      if (c.status !== 'GRADING_IN_PROGRESS') {
        if (alive.current) setCopy(c);
        setFinalize({ kind: 'idle' });
        return;
      }
    }
  }, [copyId, setCopy]);

  useEffect(() => {
    if (copy.status === 'GRADING_IN_PROGRESS' && finalize.kind === 'idle') {
      setFinalize({ kind: 'running' });
      poll().catch((error) => setFinalize({ kind: 'error', error }));
    }
  }, [copy.status]);

  /** Runs one action; an INCOMPLETE_SCORES answer becomes the confirmation instead of an error. */
  const run = useCallback(
    async (action: DeskAction, allowUnscored: boolean) => {
      setActionError(null);
      setConfirm(null);
      setBusy(action);
      let status = copy.status;
      try {
        if (editable) await flushAll();
        if (action !== 'finalize' && status === 'READY') {
          await api.submit(copyId, tokenRef.current, allowUnscored);
          status = 'LOCKED';
          if (action === 'submit') return await refresh();
        }
        setFinalize({ kind: 'running' });
        const res = await api.finalize(copyId, status === 'READY' ? tokenRef.current : null, allowUnscored);
        // Finish moves on at once: the PDF is made in the background
        if (action === 'finish' && (await goNext())) return;
        if (res?.status === 'GRADED') {
          await refresh();
          setFinalize({ kind: 'idle' });
          return;
        }
        setCopy({ ...copy, status: 'GRADING_IN_PROGRESS' });
        await poll();
      } catch (err) {
        setFinalize({ kind: 'idle' });
        const unscored = unscoredOf(err);
        if (unscored) setConfirm({ action, unscored });
        else if (action === 'finalize' || status !== 'READY') setFinalize({ kind: 'error', error: err });
        else setActionError(err);
        refresh().catch(() => undefined);
      } finally {
        if (alive.current) setBusy(null);
      }
    },
    [copy, copyId, editable, flushAll, goNext, poll, refresh, setCopy, tokenRef],
  );

  /** Takes back my Submit while the copy is still LOCKED: it is READY again and the lease is taken back. */
  const unlock = useCallback(async () => {
    setActionError(null);
    setBusy('unlock');
    try {
      await api.unlockCopy(copyId);
      await refresh();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(null);
    }
  }, [copyId, refresh]);

  return {
    finalize,
    busy,
    confirm,
    actionError,
    submit: () => run('submit', false),
    finalizeNow: () => run('finalize', false),
    finish: () => run('finish', false),
    confirmUnscored: () => confirm && run(confirm.action, true),
    cancelConfirm: () => setConfirm(null),
    unlock,
    /** read the copy again (after a change made elsewhere on the desk, e.g. a regrade reopening it) */
    reload: () => void refresh().catch(setActionError),
  };
}

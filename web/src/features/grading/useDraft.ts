/**
 * Draft autosave (DESIGN §3 Drafts): every change is kept in localStorage at once and sent to
 * PUT /copies/:id/draft after a short pause, with the version it was based on. A 409 DRAFT_CONFLICT is shown to the
 * teacher with the other version; nothing is overwritten silently. Offline, the local copy stays and is sent later.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import { ApiError } from '../../api/errors';
import { type DraftPayload, emptyPayload, isEmpty, parsePayload } from './draft';

export type DraftStatus =
  | { kind: 'idle' }
  | { kind: 'dirty' }
  | { kind: 'saving' }
  | { kind: 'saved'; at: Date }
  | { kind: 'offline' }
  | { kind: 'error'; error: unknown };

export interface DraftConflict {
  mine: DraftPayload;
  theirs: DraftPayload;
  version: number;
}

const DEBOUNCE_MS = 800;
const OFFLINE_RETRY_MS = 5000;
const clientId = `tab-${Math.random().toString(36).slice(2, 10)}`;

interface Local {
  payload: unknown;
  unsent: boolean;
  savedAt: number;
}
const localKey = (copyId: string, userId: string) => `korrigo.draft.${userId}.${copyId}`;
function readLocal(k: string): Local | null {
  try {
    const raw = localStorage.getItem(k);
    return raw ? (JSON.parse(raw) as Local) : null;
  } catch {
    return null;
  }
}
function writeLocal(k: string, v: Local) {
  try {
    localStorage.setItem(k, JSON.stringify(v));
  } catch {
    /* storage full or disabled: the server copy is all we have */
  }
}

export function useDraft(copyId: string, userId: string, token: string | null, onLockLost: () => void) {
  const [status, setStatus] = useState<DraftStatus>({ kind: 'idle' });
  const [loaded, setLoaded] = useState(false);
  /** `fromLoad`: found when the desk opened (rather than adopted from a conflict with another tab) */
  const [restored, setRestored] = useState<{ payload: DraftPayload; seq: number; fromLoad: boolean } | null>(null);
  const [conflict, setConflict] = useState<DraftConflict | null>(null);
  const version = useRef(0);
  const savedJson = useRef(JSON.stringify(emptyPayload()));
  const latest = useRef<DraftPayload>(emptyPayload());
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const inFlight = useRef(false);
  const tokenRef = useRef(token);
  tokenRef.current = token;
  const lostRef = useRef(onLockLost);
  lostRef.current = onLockLost;
  const lk = localKey(copyId, userId);
  const seq = useRef(0);
  const lastSaved = useRef<DraftStatus>({ kind: 'idle' });

  const restore = (payload: DraftPayload, fromLoad: boolean) => setRestored({ payload, seq: ++seq.current, fromLoad });

  // load once the lease is held
  useEffect(() => {
    if (!token || loaded) return;
    let cancelled = false;
    (async () => {
      let server: { payload: DraftPayload; version: number; at: number } | null = null;
      try {
        const d = await api.getDraft(copyId, token);
        server = { payload: parsePayload(d.payload), version: d.version, at: Date.parse(d.updatedAt) || 0 };
      } catch (err) {
        if (!(err instanceof ApiError && (err.status === 404 || err.isNetwork))) setStatus({ kind: 'error', error: err });
      }
      if (cancelled) return;
      version.current = server?.version ?? 0;
      savedJson.current = JSON.stringify(server?.payload ?? emptyPayload());
      const local = readLocal(lk);
      // unsent local work (offline, crash before the debounce fired) is newer than what the server has
      const pick = local?.unsent && (!server || local.savedAt >= server.at - 1000) ? parsePayload(local.payload) : (server?.payload ?? null);
      if (pick && !isEmpty(pick)) restore(pick, true);
      setLoaded(true);
      if (local?.unsent && pick && JSON.stringify(pick) !== savedJson.current) {
        latest.current = pick;
        setStatus({ kind: 'dirty' });
        schedule(0);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [token, copyId]);

  const save = useCallback(async () => {
    timer.current = null;
    const tk = tokenRef.current;
    if (!tk || inFlight.current) return;
    const payload = latest.current;
    const json = JSON.stringify(payload);
    if (json === savedJson.current) {
      writeLocal(lk, { payload, unsent: false, savedAt: Date.now() });
      setStatus((s) => (s.kind === 'dirty' || s.kind === 'offline' ? lastSaved.current : s));
      return;
    }
    inFlight.current = true;
    setStatus({ kind: 'saving' });
    try {
      const res = await api.putDraft(copyId, tk, { payload, baseVersion: version.current, clientId });
      version.current = res.version;
      savedJson.current = json;
      writeLocal(lk, { payload, unsent: JSON.stringify(latest.current) !== json, savedAt: Date.now() });
      lastSaved.current = { kind: 'saved', at: new Date() };
      setStatus(lastSaved.current);
    } catch (err) {
      if (err instanceof ApiError && err.isNetwork) {
        setStatus({ kind: 'offline' });
        schedule(OFFLINE_RETRY_MS);
      } else if (err instanceof ApiError && err.code === 'DRAFT_CONFLICT') {
        const current = (err.extra.current ?? {}) as { version?: number; payload?: unknown };
        setConflict({ mine: payload, theirs: parsePayload(current.payload), version: current.version ?? version.current });
        setStatus({ kind: 'dirty' });
      } else {
        if (err instanceof ApiError && err.code === 'LOCK_REQUIRED') lostRef.current();
        setStatus({ kind: 'error', error: err });
      }
    } finally {
      inFlight.current = false;
    }
    // changes made while the request was in flight
    if (JSON.stringify(latest.current) !== savedJson.current && !timer.current) schedule(DEBOUNCE_MS);
  }, [copyId, lk]);

  function schedule(ms: number) {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void save(), ms);
  }

  /** The desk's current unsent edits; call on every change. */
  const update = useCallback(
    (payload: DraftPayload) => {
      if (!loaded) return;
      latest.current = payload;
      const json = JSON.stringify(payload);
      const dirty = json !== savedJson.current;
      writeLocal(lk, { payload, unsent: dirty, savedAt: Date.now() });
      if (!dirty) {
        // back to what the server has (e.g. a field retyped to its saved value): nothing to send
        if (timer.current && !conflict) {
          clearTimeout(timer.current);
          timer.current = null;
        }
        setStatus((s) => (s.kind === 'dirty' ? lastSaved.current : s));
        return;
      }
      setStatus((s) => (s.kind === 'offline' ? s : { kind: 'dirty' }));
      if (!conflict) schedule(DEBOUNCE_MS);
    },
    [loaded, lk, conflict, save],
  );

  const resolveConflict = useCallback(
    (choice: 'theirs' | 'mine') => {
      if (!conflict) return;
      version.current = conflict.version;
      if (choice === 'theirs') {
        savedJson.current = JSON.stringify(conflict.theirs);
        latest.current = conflict.theirs;
        writeLocal(lk, { payload: conflict.theirs, unsent: false, savedAt: Date.now() });
        restore(conflict.theirs, false);
        setStatus({ kind: 'saved', at: new Date() });
      } else schedule(0);
      setConflict(null);
    },
    [conflict, lk],
  );

  /** Send now (before submit/finalize); resolves when the server has it or it failed. */
  const flush = useCallback(async () => {
    if (timer.current) {
      clearTimeout(timer.current);
      timer.current = null;
    }
    await save();
  }, [save]);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  return { status, loaded, restored, conflict, resolveConflict, update, flush };
}

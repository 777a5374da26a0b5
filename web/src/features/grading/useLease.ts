/**
 * The edit lease (DESIGN §3): acquired on open, heartbeat every 45 s, released on leave (fetch keepalive, so it
 * survives a tab close). Someone else's lease → read-only with who and until when, retried in the background.
 */
import type { UserRef } from '@korrigo/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import { ApiError } from '../../api/errors';
import { rubricApi } from './rubric/rubric-api';

export type Lease =
  | { kind: 'idle' }
  | { kind: 'acquiring' }
  | { kind: 'held'; token: string; expiresAt: string }
  | { kind: 'other'; owner: UserRef | null; expiresAt: string | null }
  | { kind: 'unavailable'; error: unknown };

export const HEARTBEAT_MS = 45_000;
const RETRY_OTHER_MS = 15_000;

/** `questionId`: a lease on that question of the copy only (question mode, issue 13). */
export function useLease(copyId: string, wanted: boolean, questionId: string | null = null) {
  const [lease, setLease] = useState<Lease>({ kind: 'idle' });
  const tokenRef = useRef<string | null>(null);
  const alive = useRef(true);

  const acquire = useCallback(async () => {
    setLease((l) => (l.kind === 'held' ? l : { kind: 'acquiring' }));
    try {
      const res = questionId ? await rubricApi.lock(copyId, questionId) : await api.lock(copyId);
      if (!alive.current) {
        // unmounted while acquiring: give it back at once
        void api.unlockLease(copyId, res.token, true).catch(() => undefined);
        return;
      }
      tokenRef.current = res.token;
      setLease({ kind: 'held', token: res.token, expiresAt: res.expiresAt });
    } catch (err) {
      if (!alive.current) return;
      tokenRef.current = null;
      if (err instanceof ApiError && err.code === 'LOCKED_BY_OTHER')
        setLease({
          kind: 'other',
          owner: (err.extra.owner as UserRef | undefined) ?? null,
          expiresAt: (err.extra.expiresAt as string | undefined) ?? null,
        });
      else setLease({ kind: 'unavailable', error: err });
    }
  }, [copyId, questionId]);

  // acquire on open, release on leave
  useEffect(() => {
    alive.current = true;
    if (!wanted) return;
    void acquire();
    const release = () => {
      const token = tokenRef.current;
      if (token) {
        tokenRef.current = null;
        void api.unlockLease(copyId, token, true).catch(() => undefined);
      }
    };
    window.addEventListener('pagehide', release);
    return () => {
      alive.current = false;
      window.removeEventListener('pagehide', release);
      release();
    };
  }, [copyId, wanted, acquire]);

  // heartbeat while held
  const held = lease.kind === 'held' ? lease.token : null;
  useEffect(() => {
    if (!held) return;
    const id = setInterval(async () => {
      try {
        const res = await api.heartbeat(copyId, held);
        if (alive.current && tokenRef.current === held) setLease({ kind: 'held', token: held, expiresAt: res.expiresAt });
      } catch (err) {
        if (!alive.current) return;
        if (err instanceof ApiError && err.isNetwork) return; // keep trying; the lease lasts 10 minutes
        tokenRef.current = null;
        void acquire();
      }
    }, HEARTBEAT_MS);
    return () => clearInterval(id);
  }, [copyId, held, acquire]);

  // someone else holds it: try again now and then (it may be released or expire)
  useEffect(() => {
    if (lease.kind !== 'other' || !wanted) return;
    const id = setTimeout(() => void acquire(), RETRY_OTHER_MS);
    return () => clearTimeout(id);
  }, [lease, wanted, acquire]);

  /** A write answered LOCK_REQUIRED: the lease is gone; find out who has it now. */
  const lost = useCallback(() => {
    tokenRef.current = null;
    void acquire();
  }, [acquire]);

  return { lease, token: held, acquire, lost };
}

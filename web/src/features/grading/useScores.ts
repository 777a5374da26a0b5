/**
 * The scoring panel's state: the fields as typed, the server's scores, one note per question, and the score-sync
 * queue that sends confirmed values (score-sync.ts). Conflicts wait in a list for the desk's dialog.
 */
import type { Score } from '@korrigo/contracts';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../../api/client';
import { ApiError, errorMessage } from '../../api/errors';
import { useI18n } from '../../i18n';
import { formatPoints } from '../../lib/points';
import type { DraftScore } from './draft';
import { type Resolution, type ScoreConflict, ScoreSync } from './score-sync';
import { inputOf, liveSubtotals, liveTotal, pendingFromDraft, planCommit, type ScaleRow, type ScoreInput, type ScoreNote, showsSaved } from './scores';

export interface PendingScoreConflict extends ScoreConflict {
  resolve(r: Resolution): void;
}

export function useScores(copyId: string, initial: Score[], rows: ScaleRow[], editable: boolean, tokenRef: { current: string | null }, onLockLost: () => void) {
  const { t, lang } = useI18n();
  const leaves = useMemo(() => rows.filter((r) => r.isLeaf), [rows]);
  const [saved, setSaved] = useState<Record<string, Score | undefined>>(() => Object.fromEntries(initial.map((s) => [s.questionId, s])));
  const [inputs, setInputs] = useState<Record<string, ScoreInput | undefined>>(() => Object.fromEntries(initial.map((s) => [s.questionId, inputOf(s, lang)])));
  const inputsRef = useRef(inputs);
  inputsRef.current = inputs;
  const [notes, setNotes] = useState<Record<string, ScoreNote | undefined>>({});
  const [conflicts, setConflicts] = useState<PendingScoreConflict[]>([]);
  const [status, setStatus] = useState({ pending: 0, offline: false });
  /** the clamping note of a question, kept when its write succeeds (other notes are cleared) */
  const clampNote = useRef<Record<string, string | undefined>>({});
  const lostRef = useRef(onLockLost);
  lostRef.current = onLockLost;
  const langRef = useRef(lang);
  langRef.current = lang;

  const setInput = useCallback((qid: string, value: ScoreInput) => {
    inputsRef.current = { ...inputsRef.current, [qid]: value };
    setInputs(inputsRef.current);
  }, []);

  const sync = useMemo(() => {
    const s = new ScoreSync(
      {
        put: (qid, body) => api.putScore(copyId, tokenRef.current ?? '', qid, body),
        remove: (qid, version) => api.deleteScore(copyId, tokenRef.current ?? '', qid, version),
      },
      {
        settled: (qid, score, adopted) => {
          setSaved((m) => ({ ...m, [qid]: score ?? undefined }));
          // keep theirs: the field shows the server's score, whatever was typed or queued
          if (adopted) setInput(qid, inputOf(score, langRef.current));
          setNotes((n) => ({ ...n, [qid]: n[qid] && n[qid]!.text === clampNote.current[qid] ? n[qid] : undefined }));
        },
        conflict: (c) =>
          new Promise<Resolution>((resolve) =>
            setConflicts((cs) => [
              ...cs,
              {
                ...c,
                resolve: (r) => {
                  setConflicts((xs) => xs.filter((x) => x.qid !== c.qid));
                  resolve(r);
                },
              },
            ]),
          ),
        failed: (qid, _want, err) => {
          if (err instanceof ApiError && err.code === 'LOCK_REQUIRED') lostRef.current();
          setNotes((n) => ({ ...n, [qid]: { text: errorMessage(err, langRef.current), error: true } }));
        },
        status: (pending, offline) => setStatus({ pending, offline }),
      },
    );
    s.seed(initial);
    return s;
  }, [copyId]);

  /** Confirms a field (Enter, leaving it); false when the points are invalid (the focus must stay). */
  const commit = useCallback(
    (qid: string): boolean => {
      const q = leaves.find((l) => l.id === qid);
      const input = inputsRef.current[qid];
      if (!editable || !q || !input) return true;
      const plan = planCommit(input, q.maxPoints);
      if (plan.kind === 'invalid') {
        setNotes((n) => ({ ...n, [qid]: { text: t('invalidPoints'), error: true } }));
        return false;
      }
      clampNote.current[qid] = plan.clamped ? t('clampedTo', { max: formatPoints(q.maxPoints, lang) }) : undefined;
      const note = plan.clamped ? clampNote.current[qid] : plan.commentAlone ? t('commentNeedsPoints') : undefined;
      setNotes((n) => ({ ...n, [qid]: note ? { text: note, error: false } : undefined }));
      if (plan.clamped) setInput(qid, { points: formatPoints(plan.want!.points, lang), comment: input.comment });
      sync.enqueue(qid, plan.want);
      return true;
    },
    [editable, leaves, lang, t, sync, setInput],
  );

  /** Confirms every field and waits until the server has answered every write. */
  const flush = useCallback(async () => {
    for (const q of leaves) commit(q.id);
    await sync.idle();
  }, [leaves, commit, sync]);

  /** The fields that differ from the server's score, for the draft, with the version they were typed over. */
  const draftEntries = useMemo(() => {
    const out: Record<string, DraftScore> = {};
    for (const q of leaves) {
      const input = inputs[q.id];
      if (!input || showsSaved(input, saved[q.id]) || (!saved[q.id] && !input.points.trim() && !input.comment)) continue;
      // while a conflict waits for the teacher, the entry stays based on nothing: a reload asks again
      const asking = conflicts.some((c) => c.qid === q.id);
      out[q.id] = { ...input, base: asking ? 0 : (saved[q.id]?.version ?? 0) };
    }
    return out;
  }, [leaves, inputs, saved, conflicts]);

  /** A reopened draft: fields come back as typed; writes based on an older server version become conflicts. */
  const restoreDraft = useCallback(
    (entries: Record<string, DraftScore>): number => {
      const { pending, typedOnly } = pendingFromDraft(entries, leaves);
      for (const qid of typedOnly) setInput(qid, { points: entries[qid]!.points, comment: entries[qid]!.comment });
      let applied = typedOnly.length;
      for (const p of pending) {
        const cur = sync.saved(p.qid);
        if (showsSaved(entries[p.qid], cur ?? undefined)) continue;
        setInput(p.qid, { points: entries[p.qid]!.points, comment: entries[p.qid]!.comment });
        if ((cur?.version ?? 0) === p.base) applied++;
      }
      if (editable) sync.restore(pending);
      return applied;
    },
    [leaves, sync, setInput, editable],
  );

  /** The server's scores read again: fields showing a saved score (not being typed in) show the server's now. */
  const refreshFrom = useCallback(
    (fresh: Score[]) => {
      for (const q of leaves) {
        const input = inputsRef.current[q.id];
        const cur = sync.saved(q.id) ?? undefined;
        const clean = !input || showsSaved(input, cur) || (!cur && !input.points.trim() && !input.comment);
        if (clean) sync.refresh(q.id, fresh.find((s) => s.questionId === q.id) ?? null);
      }
    },
    [leaves, sync],
  );

  // back to this tab: show the scores the server holds now (another tab may have changed them)
  useEffect(() => {
    const onBack = () => {
      if (document.visibilityState === 'visible') api.getCopy(copyId).then((c) => refreshFrom(c.scores), () => undefined);
    };
    window.addEventListener('focus', onBack);
    document.addEventListener('visibilitychange', onBack);
    return () => {
      window.removeEventListener('focus', onBack);
      document.removeEventListener('visibilitychange', onBack);
    };
  }, [copyId, refreshFrom]);

  const total = liveTotal(rows, saved, inputs);
  const subtotals = liveSubtotals(rows, saved, inputs);

  return { leaves, saved, inputs, notes, setInput, commit, flush, conflicts, status, draftEntries, restoreDraft, refreshFrom, total, subtotals };
}

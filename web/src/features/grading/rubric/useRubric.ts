/**
 * The desk's rubric: the exam's items, each question's scoring mode and region, the copy's applications per
 * question sent through RubricSync, conflicts waiting for the teacher, refused writes kept to be sent again, and
 * the item waiting for its badge's place on the page.
 */
import type { Exam, Score } from '@korrigo/contracts';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, errorMessage } from '../../../api/errors';
import { useI18n } from '../../../i18n';
import { rubricApi } from './rubric-api';
import { activeItems, placeItem, toggleItem } from './rubric-score';
import { type RubricConflict, type RubricResolution, RubricSync } from './rubric-sync';
import type { QuestionSettings, RubricItem, RubricState, RubricWant, ScoringMode } from './rubric-types';

export interface PendingRubricConflict extends RubricConflict {
  resolve(r: RubricResolution): void;
}
export interface RubricFailure {
  want: RubricWant;
  message: string;
}

interface Args {
  copyId: string;
  exam: Exam | null;
  copy: unknown;
  tokenRef: { current: string | null };
  editable: boolean;
  onLockLost(): void;
  /** the question's score changed on the server (its points and version), for the scoring panel */
  onScore(s: Score): void;
}

export function useRubric({ copyId, exam, tokenRef, editable, onLockLost, onScore }: Args) {
  const { lang } = useI18n();
  const examId = exam?.id ?? null;
  const [items, setItems] = useState<RubricItem[]>([]);
  const [settings, setSettings] = useState<Record<string, QuestionSettings>>({});
  const [states, setStates] = useState<Record<string, RubricWant>>({});
  const [saved, setSaved] = useState<Record<string, RubricState>>({});
  const [conflicts, setConflicts] = useState<PendingRubricConflict[]>([]);
  const [failures, setFailures] = useState<Record<string, RubricFailure | undefined>>({});
  const [status, setStatus] = useState({ pending: 0, offline: false });
  /** the item whose badge the next click on the page places */
  const [armed, setArmed] = useState<{ qid: string; itemId: string } | null>(null);
  const [changedElsewhere, setChangedElsewhere] = useState<string | null>(null);
  const refs = useRef({ onLockLost, onScore, lang, usageChanged: () => undefined as void });
  refs.current = { onLockLost, onScore, lang, usageChanged: () => void loadItems().catch(() => undefined) };

  const loadItems = useCallback(async () => {
    if (!examId) return;
    try {
      const r = await rubricApi.items(examId);
      setItems(r.items);
      setSettings(r.settings);
    } catch (err) {
      if (!(err instanceof ApiError && err.isMissingRoute)) throw err;
    }
  }, [examId]);

  useEffect(() => void loadItems().catch(() => undefined), [loadItems]);

  const sync = useMemo(() => {
    const s = new RubricSync(
      {
        put: (qid, body) => rubricApi.putRubric(copyId, tokenRef.current ?? '', qid, body),
        fetch: async (qid) => (await rubricApi.copyRubric(copyId))[qid] ?? { questionId: qid, version: 0, applied: [], adjustment: null, points: null },
      },
      {
        settled: (qid, st, adopted) => {
          setSaved((m) => ({ ...m, [qid]: st }));
          // the items' usage counts moved
          if (!adopted) refs.current.usageChanged();
          setStates((m) => ({ ...m, [qid]: s.shown(qid) }));
          if (adopted && st.points !== null) setChangedElsewhere(qid);
          if (st.points !== null)
            refs.current.onScore({ questionId: qid, points: st.points, comment: null, version: st.version, updatedBy: '', updatedAt: new Date().toISOString() });
        },
        conflict: (c) =>
          new Promise<RubricResolution>((resolve) =>
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
        failed: (qid, want, err) => {
          if (err instanceof ApiError && err.code === 'LOCK_REQUIRED') refs.current.onLockLost();
          setFailures((f) => ({ ...f, [qid]: { want, message: errorMessage(err, refs.current.lang) } }));
          setStates((m) => ({ ...m, [qid]: s.shown(qid) }));
        },
        status: (pending, offline) => setStatus({ pending, offline }),
      },
    );
    s.seed({}); // the copy's applications arrive with GET /copies/:id/rubric below
    return s;
    // one queue per copy
  }, [copyId]);

  // the copy's applications (GET /copies/:id/rubric)
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    let alive = true;
    rubricApi.copyRubric(copyId).then(
      (fresh) => {
        if (!alive) return;
        const adopted = sync.seed(fresh);
        setSaved((m) => ({ ...m, ...Object.fromEntries(adopted.map((q) => [q, fresh[q]!])) }));
        setStates((m) => ({ ...m, ...Object.fromEntries(adopted.map((q) => [q, sync.shown(q)])) }));
        setLoaded(true);
      },
      () => alive && setLoaded(true),
    );
    return () => {
      alive = false;
    };
  }, [copyId, sync]);

  /** the badge annotations (drawn by the rubric layer): kept out of the annotation tools */
  const badgeIds = useMemo(() => new Set(Object.values(saved).flatMap((s) => s.badgeIds ?? [])), [saved]);
  const shown = useCallback((qid: string): RubricWant => states[qid] ?? sync.shown(qid), [states, sync]);
  const modeOf = useCallback((qid: string): ScoringMode => settings[qid]?.scoringMode ?? 'FREE', [settings]);
  const itemsOf = useCallback((qid: string) => activeItems(items, qid), [items]);

  const wish = useCallback(
    (qid: string, w: RubricWant) => {
      if (!editable) return;
      setFailures((f) => ({ ...f, [qid]: undefined }));
      setChangedElsewhere(null);
      setStates((m) => ({ ...m, [qid]: w }));
      sync.want(qid, w);
    },
    [editable, sync],
  );

  /** A key or a click in the panel: applies the item (and waits for a click on the page for its badge) or takes it off. */
  const toggle = useCallback(
    (qid: string, item: RubricItem) => {
      const next = toggleItem(shown(qid), item, items);
      wish(qid, next);
      setArmed(next.applied.some((a) => a.itemId === item.id) ? { qid, itemId: item.id } : null);
    },
    [shown, items, wish],
  );

  const place = useCallback(
    (at: { pagePosition: number; x: number; y: number }) => {
      if (!armed) return;
      const item = items.find((i) => i.id === armed.itemId);
      setArmed(null);
      if (item) wish(armed.qid, placeItem(shown(armed.qid), item, items, at));
    },
    [armed, items, shown, wish],
  );

  const setAdjustment = useCallback((qid: string, adjustment: number | null) => wish(qid, { ...shown(qid), adjustment }), [shown, wish]);

  const resend = useCallback(
    (qid: string) => {
      const f = failures[qid];
      if (f) wish(qid, f.want);
    },
    [failures, wish],
  );
  const dismiss = useCallback((qid: string) => setFailures((f) => ({ ...f, [qid]: undefined })), []);

  /** Items edited elsewhere (or here): read the copy's applications again where nothing is waiting. */
  const refresh = useCallback(async () => {
    const fresh = await rubricApi.copyRubric(copyId);
    for (const st of Object.values(fresh)) sync.refresh(st);
  }, [copyId, sync]);

  const upsertItem = useCallback((it: RubricItem) => setItems((xs) => (xs.some((x) => x.id === it.id) ? xs.map((x) => (x.id === it.id ? it : x)) : [...xs, it])), []);

  return {
    loaded,
    badgeIds,
    items,
    itemsOf,
    loadItems,
    upsertItem,
    settings,
    modeOf,
    shown,
    saved,
    toggle,
    place,
    armed,
    setArmed,
    setAdjustment,
    conflicts,
    failures,
    resend,
    dismiss,
    status,
    flush: () => sync.idle(),
    refresh,
    changedElsewhere,
    clearChangedElsewhere: () => setChangedElsewhere(null),
  };
}

export type DeskRubric = ReturnType<typeof useRubric>;

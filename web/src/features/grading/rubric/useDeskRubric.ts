/**
 * The rubric's part of the desk, in one place so GradingDesk only composes: the rubric state, the question shown
 * in the panel (question mode's, or the one the teacher picks), its keys, question mode, the region zoom, the
 * item being edited, and the annotation state without the badges (the rubric layer draws those).
 */
import type { CopyDetail, Exam, Score } from '@korrigo/contracts';
import { useCallback, useMemo, useRef, useState } from 'react';
import type { AnnState } from '../../../annotations/model';
import type { ScaleRow } from '../scores';
import type { RubricKeyAction } from './rubric-keys';
import type { RubricItem } from './rubric-types';
import { useQuestionMode } from './useQuestionMode';
import { useRegionZoom } from './useRegionZoom';
import { useRubric } from './useRubric';
import { useRubricKeyboard } from './useRubricKeyboard';

interface Args {
  copy: CopyDetail;
  exam: Exam | null;
  leaves: ScaleRow[];
  questionId: string | null;
  editable: boolean;
  tokenRef: { current: string | null };
  lost(): void;
  savedScores: Record<string, Score | undefined>;
  refreshScores(list: Score[]): void;
  annState: AnnState;
  view: { setPageIdx(i: number): void; setZoom(z: number | null): void; scrollRef: { current: HTMLDivElement | null } };
  flushOthers(): Promise<void>;
}

/** The annotation state without the given records (the rubric's badges). */
export function withoutIds(s: AnnState, ids: Set<string>): AnnState {
  if (!ids.size) return s;
  const keep = s.order.filter((k) => !(s.byKey[k]?.id && ids.has(s.byKey[k]!.id!)));
  if (keep.length === s.order.length) return s;
  return { order: keep, byKey: Object.fromEntries(keep.map((k) => [k, s.byKey[k]!])) };
}

export function useDeskRubric(a: Args) {
  const scoresRef = useRef(a.savedScores);
  scoresRef.current = a.savedScores;
  const rubric = useRubric({
    copyId: a.copy.id,
    exam: a.exam,
    copy: a.copy,
    tokenRef: a.tokenRef,
    editable: a.editable,
    onLockLost: a.lost,
    onScore: (s) => {
      const list = Object.values(scoresRef.current).filter((x): x is Score => !!x && x.questionId !== s.questionId);
      a.refreshScores([...list, s]);
    },
  });
  const [picked, setPicked] = useState<string | null>(null);
  const question = a.leaves.find((l) => l.id === (a.questionId ?? picked)) ?? a.leaves[0] ?? null;
  const [focusRequest, setFocusRequest] = useState<{ what: 'newItem' | 'adjust'; n: number } | null>(null);
  const [editing, setEditing] = useState<RubricItem | null>(null);
  const flushOthers = a.flushOthers;
  const flush = useCallback(async () => {
    await rubric.flush();
    await flushOthers();
  }, [rubric, flushOthers]);
  const qm = useQuestionMode(a.exam?.id ?? null, a.copy.id, a.questionId, flush);
  const region = a.questionId ? (rubric.settings[a.questionId]?.region ?? null) : null;
  const zoomToRegion = useRegionZoom(a.view, a.copy.pages, region, !!a.questionId);
  const items = question ? rubric.itemsOf(question.id) : [];

  const run = (act: RubricKeyAction) => {
    if (act.kind === 'item' && question && items[act.index]) rubric.toggle(question.id, items[act.index]!);
    else if (act.kind === 'next') void qm.next();
    else if (act.kind === 'question') {
      const i = a.leaves.findIndex((l) => l.id === question?.id);
      const to = a.leaves[Math.min(a.leaves.length - 1, Math.max(0, i + act.delta))];
      if (to) setPicked(to.id);
    } else if (act.kind === 'adjust' || act.kind === 'newItem') setFocusRequest((f) => ({ what: act.kind as 'adjust' | 'newItem', n: (f?.n ?? 0) + 1 }));
  };
  useRubricKeyboard({
    enabled: a.editable && !!question,
    itemCount: items.length,
    questionMode: !!a.questionId,
    armed: !!rubric.armed,
    disarm: () => rubric.setArmed(null),
    run,
  });

  const annState = useMemo(() => withoutIds(a.annState, rubric.badgeIds), [a.annState, rubric.badgeIds]);
  const applied = useMemo(() => a.leaves.map((l) => rubric.shown(l.id)), [a.leaves, rubric]);

  const onItemSaved = useCallback(
    (it: RubricItem) => {
      setEditing(null);
      rubric.upsertItem(it);
      void rubric.refresh().catch(() => undefined);
      void rubric.loadItems().catch(() => undefined);
      qm.reloadProgress();
    },
    [rubric, qm],
  );

  return { rubric, question, setQuestion: setPicked, focusRequest, editing, setEditing, onItemSaved, qm, region, zoomToRegion, annState, applied, flush };
}

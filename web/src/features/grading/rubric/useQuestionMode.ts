/**
 * Question mode: one question across the copies. The next copy not yet scored on it for this corrector (one key),
 * the question's progress, and the view zoomed to where the question is answered (its region; else the whole copy).
 */
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../../../api/errors';
import { useI18n } from '../../../i18n';
import { navigate } from '../../../lib/router';
import { rubricApi } from './rubric-api';
import type { ExamProgress, QuestionRegion } from './rubric-types';

export const questionModeUrl = (copyId: string, questionId: string) => `/copies/${copyId}/grade?question=${encodeURIComponent(questionId)}`;

export function useQuestionMode(examId: string | null, copyId: string, questionId: string | null, flush: () => Promise<void>) {
  const { lang } = useI18n();
  const [progress, setProgress] = useState<ExamProgress | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const reloadProgress = useCallback(() => {
    if (!examId || !questionId) return;
    rubricApi.progress(examId).then(setProgress, () => undefined);
  }, [examId, questionId]);
  useEffect(reloadProgress, [reloadProgress]);

  const next = useCallback(async () => {
    if (!examId || !questionId || busy) return;
    setBusy(true);
    setError(null);
    try {
      await flush().catch(() => undefined);
      const r = await rubricApi.next(examId, questionId, copyId);
      if (r && r.copyId !== copyId) navigate(questionModeUrl(r.copyId, questionId));
      else {
        setDone(!r);
        reloadProgress();
      }
    } catch (err) {
      setError(errorMessage(err, lang));
    } finally {
      setBusy(false);
    }
  }, [examId, questionId, copyId, busy, flush, reloadProgress, lang]);

  const q = progress?.questions.find((x) => x.questionId === questionId) ?? null;
  return { active: !!questionId, progress: q, next, done, busy, error, reloadProgress };
}

/** The zoom and scroll that show a region across the width of the view (a whole page when there is none). */
export function regionView(region: QuestionRegion | null, page: { widthPx: number; heightPx: number }, viewWidth: number) {
  if (!region || region.w <= 0) return { zoom: null as number | null, left: 0, top: 0 };
  const W = page.widthPx || 1000;
  const H = page.heightPx || 1414;
  const zoom = Math.min(4, Math.max(0.2, (viewWidth - 32) / (W * region.w)));
  return { zoom, left: Math.max(0, region.x * W * zoom - 16), top: Math.max(0, region.y * H * zoom - 16) };
}

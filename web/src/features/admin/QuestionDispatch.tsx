/**
 * Correctors tab, issue 13: dispatch by question (which correctors take each question, with an optional quota of
 * copies), progress per question and per corrector, and the batch finalize of the copies whose every question is
 * scored.
 */
import { useEffect, useState } from 'react';
import { ApiError } from '../../api/errors';
import { useI18n } from '../../i18n';
import { useAsync } from '../../lib/useAsync';
import { ErrorBox, ProgressBar } from '../common/ui';
import { scaleRows } from '../grading/scores';
import { rubricApi } from '../grading/rubric/rubric-api';
import type { TabProps } from './ExamPage';
import { type AssignmentDraft, assignmentsBody, changedQuestions, draftOf } from './question-dispatch';

export function QuestionDispatch({ exam, reload }: TabProps) {
  const { t } = useI18n();
  const saved = useAsync(() => rubricApi.questionCorrectors(exam.id), [exam.id]);
  const progress = useAsync(() => rubricApi.progress(exam.id), [exam.id]);
  const [draft, setDraft] = useState<AssignmentDraft>({});
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const leaves = scaleRows(exam.questions).filter((q) => q.isLeaf);
  const savedDraft = saved.data ? draftOf(saved.data) : {};
  useEffect(() => {
    if (saved.data) setDraft(draftOf(saved.data));
  }, [saved.data]);
  if (saved.error instanceof ApiError && saved.error.isMissingRoute) return null;

  const toggle = (qid: string, uid: string) =>
    setDraft((d) => {
      const q = { ...(d[qid] ?? {}) };
      if (uid in q) delete q[uid];
      else q[uid] = '';
      return { ...d, [qid]: q };
    });
  const setQuota = (qid: string, uid: string, v: string) => setDraft((d) => ({ ...d, [qid]: { ...(d[qid] ?? {}), [uid]: v } }));
  const changed = changedQuestions(draft, savedDraft);

  const save = async () => {
    setError(null);
    setMessage(null);
    setBusy(true);
    try {
      for (const qid of changed) {
        const body = assignmentsBody(draft[qid]);
        if (!body.ok) throw new Error(`${t('quota')}: ${leaves.find((l) => l.id === qid)?.label}`);
        await rubricApi.setQuestionCorrectors(exam.id, qid, body.assignments);
      }
      setMessage(t('saved2'));
      saved.reload();
      progress.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const finalize = async () => {
    setError(null);
    setMessage(null);
    try {
      const r = await rubricApi.finalizeComplete(exam.id);
      setMessage(t('finalizeCompleteDone', { n: r.finalized.length, skipped: r.skipped.length }));
      progress.reload();
      reload();
    } catch (err) {
      setError(err);
    }
  };

  const p = progress.data;
  return (
    <section className="stack" aria-label={t('dispatchByQuestion')} data-testid="question-dispatch">
      <h2>{t('dispatchByQuestion')}</h2>
      <p className="muted">{t('dispatchByQuestionIntro')}</p>
      <ErrorBox error={saved.error ?? progress.error ?? error} />
      {exam.correctors.length === 0 ? (
        <p className="muted">{t('needCorrectors')}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('assignQuestions')}</th>
              {exam.correctors.map((c) => (
                <th key={c.id}>{c.displayName}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {leaves.map((q) => (
              <tr key={q.id}>
                <td>{q.label}</td>
                {exam.correctors.map((c) => {
                  const on = draft[q.id] && c.id in draft[q.id]!;
                  return (
                    <td key={c.id}>
                      <label className="inline">
                        <input type="checkbox" checked={!!on} onChange={() => toggle(q.id, c.id)} aria-label={`${q.label} — ${c.displayName}`} />
                      </label>
                      {on && (
                        <input
                          className="quota"
                          inputMode="numeric"
                          size={4}
                          placeholder={t('quotaNone')}
                          aria-label={`${t('quota')} ${q.label} — ${c.displayName}`}
                          value={draft[q.id]![c.id]}
                          onChange={(e) => setQuota(q.id, c.id, e.target.value)}
                        />
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="row">
        <button type="button" className="primary" disabled={busy || changed.length === 0} onClick={() => void save()}>
          {t('saveAssignments')}
        </button>
        {message && (
          <span className="success" role="status">
            {message}
          </span>
        )}
      </div>
      {p && (
        <>
          <h3>{t('progressPerQuestion')}</h3>
          <ul className="stack" data-testid="progress-per-question">
            {p.questions.map((q) => (
              <li key={q.questionId}>
                <ProgressBar value={q.scored} max={q.total} label={`${q.label}: ${t('questionProgress', { done: q.scored, total: q.total })}`} />
                {q.byCorrector.length > 0 && (
                  <span className="muted">
                    {q.byCorrector.map((c) => `${c.user.displayName} ${c.scored}${c.quota !== null ? `/${c.quota}` : ''}`).join(' · ')}
                  </span>
                )}
              </li>
            ))}
          </ul>
          <h3>{t('progressPerCorrector')}</h3>
          <table className="table" data-testid="progress-per-corrector">
            <thead>
              <tr>
                <th>{t('corrector')}</th>
                <th className="num">{t('questionsScored')}</th>
              </tr>
            </thead>
            <tbody>
              {p.correctors.map((c) => (
                <tr key={c.user.id}>
                  <td>{c.user.displayName}</td>
                  <td className="num">{c.scored}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>{t('completeCopies', { n: p.complete })}</p>
          <button type="button" disabled={p.complete === 0} onClick={() => void finalize()}>
            {t('finalizeComplete')}
          </button>
        </>
      )}
    </section>
  );
}

/**
 * Regrade requests beside the copy, in the grading desk: the student's message per question, and — for the
 * copy's corrector — accept (the copy reopens to them) or reject with a reason. While the copy is being
 * regraded the accepted requests stay pinned at the top, with what the student still sees meanwhile.
 */
import type { RegradeDecision, RegradeRequest } from '@korrigo/contracts';
import { type ReactNode, useState } from 'react';
import { api } from '../../api/client';
import { type Key, useI18n } from '../../i18n';
import { formatPoints } from '../../lib/points';
import { hhmm } from '../../lib/time';
import { useAsync } from '../../lib/useAsync';
import { useSession } from '../auth/session';
import { ErrorBox } from '../common/ui';

export function RegradeDeskPanel({ copyId, manages, onReopened }: { copyId: string; manages: boolean; onReopened(): void }) {
  const { t, lang } = useI18n();
  const { user } = useSession();
  const data = useAsync(() => api.copyRegrades(copyId), [copyId]);
  if (!data.data || data.data.items.length === 0) return <ErrorBox error={data.error} onRetry={data.reload} />;
  const { items, review } = data.data;
  const inReview = (r: RegradeRequest) => !!review && r.decision === 'ACCEPTED' && !!r.answeredAt && r.answeredAt >= review.reopenedAt;
  const pinned = items.filter(inReview);
  const open = items.filter((r) => r.status === 'OPEN');
  const past = items.filter((r) => r.status === 'ANSWERED' && !inReview(r));
  return (
    <section aria-label={t('regradeRequests')} className="regrade-panel" data-testid="regrade-panel">
      <h2>
        {t('regradeRequests')} {open.length > 0 && <span className="badge">{t('regradeCount', { n: open.length })}</span>}
      </h2>
      {review && (
        <div className="card pinned" role="status" data-testid="regrade-pinned">
          <p>{t('regradePinned', { time: hhmm(review.reopenedAt), total: formatPoints(review.previousTotal, lang) })}</p>
          <ul>
            {pinned.map((r) => (
              <RequestItem key={r.id} r={r} />
            ))}
          </ul>
        </div>
      )}
      <ul>
        {open.map((r) => (
          <RequestItem key={r.id} r={r}>
            {/* only the copy's corrector (or an admin, or the exam's owner) may answer; the server refuses anyone else anyway */}
            {(manages || r.corrector?.id === user.id) && (
              <AnswerForm
                id={r.id}
                onDone={(reopened) => {
                  data.reload();
                  if (reopened) onReopened();
                }}
              />
            )}
          </RequestItem>
        ))}
        {past.map((r) => (
          <RequestItem key={r.id} r={r} />
        ))}
      </ul>
    </section>
  );
}

function RequestItem({ r, children }: { r: RegradeRequest; children?: ReactNode }) {
  const { t } = useI18n();
  return (
    <li className="regrade-item">
      <strong>{r.question.label}</strong>
      {r.decision && <span className="badge"> {t(`regradeDecision_${r.decision}` as Key)}</span>}
      <div className="muted small">{t('regradeStudentAsks')}</div>
      <blockquote>{r.message}</blockquote>
      {r.answer && (
        <div>
          {t('answer')}: {r.answer}
        </div>
      )}
      {children}
    </li>
  );
}

/** Accept or reject, with the message the student will read; both need it. */
export function AnswerForm({ id, onDone }: { id: string; onDone(reopened: boolean): void }) {
  const { t } = useI18n();
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function answer(decision: RegradeDecision) {
    setError(null);
    setBusy(true);
    try {
      const res = await api.answerRegrade(id, message, decision);
      onDone(decision === 'ACCEPTED' && res.copyStatus === 'READY');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const ready = message.trim().length > 0 && !busy;
  return (
    <form className="stack" onSubmit={(e) => e.preventDefault()} aria-label={t('answer')}>
      <label>
        {t('regradeYourAnswer')}
        <textarea value={message} onChange={(e) => setMessage(e.target.value)} rows={3} maxLength={2000} required />
      </label>
      <div className="row">
        <button type="button" className="primary" disabled={!ready} onClick={() => void answer('ACCEPTED')}>
          {t('regradeAccept')}
        </button>
        <button type="button" disabled={!ready} onClick={() => void answer('REJECTED')}>
          {t('regradeReject')}
        </button>
      </div>
      <ErrorBox error={error} />
    </form>
  );
}

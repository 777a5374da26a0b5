/** One released result: per-question table with comments, the final PDF (view + download), a regrade request. */
import { type FormEvent, useState } from 'react';
import { api, type MyCopy } from '../../api/client';
import { type Key, useI18n } from '../../i18n';
import { Link } from '../../lib/router';
import { formatDelta, formatPoints } from '../../lib/points';
import { shortDate } from '../../lib/time';
import { useAsync } from '../../lib/useAsync';
import { ErrorBox, Loading } from '../common/ui';
import { resultRows } from './results';

export function ResultPage({ copyId }: { copyId: string }) {
  const { t, lang } = useI18n();
  const copies = useAsync(() => api.myCopies(), []);
  if (copies.error && !copies.data) return <ErrorBox error={copies.error} onRetry={copies.reload} />;
  if (!copies.data) return <Loading />;
  const c = copies.data.find((x) => x.id === copyId);
  if (!c) return <p>{t('notFoundPage')}</p>;
  const rows = resultRows(c);
  const pdf = c.finalPdfUrl || api.finalPdfUrl(c.id);
  return (
    <>
      <p>
        <Link to="/results">← {t('myResults')}</Link>
      </p>
      <h1>
        {c.exam.title} {c.review?.status === 'UNDER_REVIEW' && <span className="badge" data-testid="under-review">{t('underReview')}</span>}
      </h1>
      <ReviewNote c={c} />
      <table className="table" aria-label={t('result')}>
        <thead>
          <tr>
            <th>{t('question')}</th>
            <th className="num">{t('points')}</th>
            <th className="num">{t('outOf')}</th>
            <th>{t('comment')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.questionId} className={r.isLeaf ? undefined : 'exercise-row'}>
              <td style={{ paddingLeft: `${0.6 + r.depth}rem` }}>{r.isLeaf ? r.label : <strong>{r.label}</strong>}</td>
              <td className="num">{r.notScored ? <em className="muted">{t('notScored')}</em> : formatPoints(r.points, lang)}</td>
              <td className="num">{formatPoints(r.maxPoints, lang)}</td>
              <td>
                {r.comment}
                {r.rubric.length > 0 && (
                  <ul className="rubric-applied" data-testid={`rubric-applied-${r.questionId}`}>
                    {r.rubric.map((it, i) => (
                      <li key={i}>
                        <strong>{it.label}</strong> ({it.kind === 'ABSOLUTE' ? formatPoints(it.points, lang) : formatDelta(it.points, lang)}){it.comment ? ` — ${it.comment}` : ''}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
          <tr>
            <th>{t('total')}</th>
            <th className="num" data-testid="student-total">
              {formatPoints(c.total, lang)}
            </th>
            <th className="num">{formatPoints(c.maxTotal, lang)}</th>
            <th />
          </tr>
        </tbody>
      </table>
      {c.notScored.length > 0 && (
        <p className="muted" data-testid="not-scored-note">
          {t('notScoredTotal', { labels: c.notScored.join(', ') })}
        </p>
      )}
      <h2>{t('finalPdf')}</h2>
      <p>
        <a href={pdf} download={`${c.exam.title}.pdf`}>
          {t('download')}
        </a>
      </p>
      <iframe className="pdf-frame" src={pdf} title={t('finalPdf')} />
      {c.regradeRequests.length > 0 && (
        <>
          <h2>{t('regradeRequests')}</h2>
          <ul>
            {c.regradeRequests.map((r) => (
              <li key={r.id}>
                <strong>{r.question.label}</strong> — {r.message}
                {r.decision && <span className="badge"> {t(`regradeDecision_${r.decision}` as Key)}</span>}
                {r.answer && (
                  <div className="muted">
                    {t('answer')}: {r.answer}
                  </div>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      {c.regradeDeadline && c.canRequestRegrade && <p className="muted">{t('regradeDeadlineUntil', { date: shortDate(c.regradeDeadline, lang) })}</p>}
      {c.canRequestRegrade ? (
        <RegradeForm copyId={c.id} questions={rows.filter((r) => r.isLeaf).map((r) => ({ id: r.questionId, label: r.label }))} onSent={copies.reload} />
      ) : (
        c.review?.status !== 'UNDER_REVIEW' && <p className="muted">{t('regradeClosed')}</p>
      )}
    </>
  );
}

/** Under review: the released result is what is shown. Reviewed: old → new for each question that changed. */
function ReviewNote({ c }: { c: MyCopy }) {
  const { t, lang } = useI18n();
  if (!c.review) return null;
  if (c.review.status === 'UNDER_REVIEW') {
    return (
      <p className="card" role="status">
        {t('underReviewNote')}
      </p>
    );
  }
  if (c.review.changes.length === 0) return <p className="card">{t('reviewedNoChange')}</p>;
  return (
    <div className="card" data-testid="review-changes">
      <p>{t('reviewedChanges')}</p>
      <table className="table">
        <thead>
          <tr>
            <th>{t('question')}</th>
            <th className="num">{t('before')}</th>
            <th className="num">{t('after')}</th>
          </tr>
        </thead>
        <tbody>
          {c.review.changes.map((ch) => (
            <tr key={ch.questionId}>
              <td>{ch.label}</td>
              <td className="num">{formatPoints(ch.before, lang)}</td>
              <td className="num">{formatPoints(ch.after, lang)}</td>
            </tr>
          ))}
          <tr>
            <th>{t('total')}</th>
            <th className="num">{formatPoints(c.review.previousTotal, lang)}</th>
            <th className="num">{formatPoints(c.total, lang)}</th>
          </tr>
        </tbody>
      </table>
    </div>
  );
}

function RegradeForm({ copyId, questions, onSent }: { copyId: string; questions: { id: string; label: string }[]; onSent(): void }) {
  const { t } = useI18n();
  const [qid, setQid] = useState(questions[0]?.id ?? '');
  const [message, setMessage] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      await api.regrade(copyId, qid, message);
      setSent(true);
      setMessage('');
      onSent();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <form className="card stack" onSubmit={submit} aria-label={t('regrade')}>
      <h2>{t('regrade')}</h2>
      <label>
        {t('regradeQuestion')}
        <select value={qid} onChange={(e) => setQid(e.target.value)} required>
          {questions.map((q) => (
            <option key={q.id} value={q.id}>
              {q.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('regradeMessage')}
        <textarea value={message} onChange={(e) => setMessage(e.target.value)} required maxLength={5000} rows={4} />
      </label>
      <ErrorBox error={error} />
      {sent && <p role="status" className="success">{t('regradeSent')}</p>}
      <div>
        <button type="submit" className="primary" disabled={!message.trim() || !qid}>
          {t('send')}
        </button>
      </div>
    </form>
  );
}

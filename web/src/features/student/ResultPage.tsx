/** One released result: per-question table with comments, the final PDF (view + download), a regrade request. */
import { type FormEvent, useState } from 'react';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { Link } from '../../lib/router';
import { formatPoints } from '../../lib/points';
import { useAsync } from '../../lib/useAsync';
import { ErrorBox, Loading } from '../common/ui';
import { maxOf, resultRows, totalOf } from './results';

export function ResultPage({ copyId }: { copyId: string }) {
  const { t, lang } = useI18n();
  const copies = useAsync(() => api.myCopies(), []);
  if (copies.error && !copies.data) return <ErrorBox error={copies.error} onRetry={copies.reload} />;
  if (!copies.data) return <Loading />;
  const c = copies.data.find((x) => x.id === copyId);
  if (!c) return <p>{t('notFoundPage')}</p>;
  const rows = resultRows(c);
  const pdf = api.finalPdfUrl(c.id);
  return (
    <>
      <p>
        <Link to="/results">← {t('myResults')}</Link>
      </p>
      <h1>{c.exam?.title}</h1>
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
            <tr key={r.questionId}>
              <td>{r.label}</td>
              <td className="num">{r.points !== null ? formatPoints(r.points, lang) : '—'}</td>
              <td className="num">{r.maxPoints !== null ? formatPoints(r.maxPoints, lang) : ''}</td>
              <td>{r.comment}</td>
            </tr>
          ))}
          <tr>
            <th>{t('total')}</th>
            <th className="num" data-testid="student-total">
              {totalOf(c) !== null ? formatPoints(totalOf(c), lang) : '—'}
            </th>
            <th className="num">{maxOf(c) !== null ? formatPoints(maxOf(c), lang) : ''}</th>
            <th />
          </tr>
        </tbody>
      </table>
      <h2>{t('finalPdf')}</h2>
      <p>
        <a href={pdf} download={`${c.exam?.title ?? 'copy'}.pdf`}>
          {t('download')}
        </a>
      </p>
      <iframe className="pdf-frame" src={pdf} title={t('finalPdf')} />
      <RegradeForm copyId={c.id} questions={rows.map((r) => ({ id: r.questionId, label: r.label }))} />
    </>
  );
}

function RegradeForm({ copyId, questions }: { copyId: string; questions: { id: string; label: string }[] }) {
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

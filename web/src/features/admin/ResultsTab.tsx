/** Release/unrelease, exports, statistics with histograms, regrade requests. */
import { useState } from 'react';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { formatPoints } from '../../lib/points';
import { shortDate } from '../../lib/time';
import { useAsync } from '../../lib/useAsync';
import { ErrorBox, Loading } from '../common/ui';
import type { TabProps } from './ExamPage';
import { Histogram } from './Histogram';
import { normalizeStats, type Summary } from './stats';
import { AdminRegrades } from '../regrade/AdminRegrades';

export function ResultsTab({ exam, reload }: TabProps) {
  const { t, lang } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const stats = useAsync(() => api.stats(exam.id), [exam.id]);

  async function release(on: boolean) {
    setError(null);
    try {
      if (on) {
        // say what students will (not) see before it happens
        const [fresh, present] = await Promise.all([api.stats(exam.id), api.attendance(exam.id)]);
        const notGraded = fresh.copies - fresh.graded;
        const absent = present.counts.absent + present.counts.excused + present.counts.exempt;
        if (!window.confirm(t('releaseConfirm', { graded: fresh.graded, notGraded, absent }))) return;
      }
      await api.release(exam.id, on);
      reload();
    } catch (err) {
      setError(err);
    }
  }
  const s = stats.data ? normalizeStats(stats.data, t('wholeExam'), exam.maxTotal) : null;

  return (
    <section>
      <div className="card row">
        <strong>{exam.resultsReleasedAt ? t('releasedAt', { date: shortDate(exam.resultsReleasedAt, lang) }) : t('notReleased')}</strong>
        {stats.data && <span className="muted">{t('gradedOf', { graded: stats.data.graded, copies: stats.data.copies })}</span>}
        {stats.data?.excluded && <span className="muted">{t('statsExcluded', stats.data.excluded)}</span>}
        {exam.resultsReleasedAt ? (
          <button type="button" onClick={() => void release(false)}>
            {t('unrelease')}
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => void release(true)}>
            {t('release')}
          </button>
        )}
        <ErrorBox error={error} />
      </div>
      <div className="card row">
        <strong>{t('exports')}</strong>
        <a href={api.exportCsvUrl(exam.id, 'pronote')} download>
          {t('exportPronote')}
        </a>
        <a href={api.exportCsvUrl(exam.id, 'plain')} download>
          {t('exportPlain')}
        </a>
        <a href={api.exportZipUrl(exam.id)} download>
          {t('exportZip')}
        </a>
      </div>
      <h2>{t('statistics')}</h2>
      {stats.loading && !stats.data && <Loading />}
      <ErrorBox error={stats.error} onRetry={stats.reload} />
      {stats.data && stats.data.graded === 0 && <p className="muted">{t('noStats')}</p>}
      {s && stats.data!.graded > 0 && (
        <>
          <StatsTable rows={[s.exam]} />
          <Histogram buckets={s.exam.histogram} title={t('histogramOf', { what: t('wholeExam') })} lang={lang} />
          {s.questions.length > 0 && (
            <>
              <h3>{t('perQuestion')}</h3>
              <StatsTable rows={s.questions} />
              <div className="stats-grid">
                {s.questions.map((q, i) => (
                  <figure key={i} style={{ margin: 0 }}>
                    <figcaption>{q.label}</figcaption>
                    <Histogram buckets={q.histogram} title={t('histogramOf', { what: q.label })} lang={lang} />
                  </figure>
                ))}
              </div>
            </>
          )}
          {s.correctors.length > 0 && (
            <>
              <h3>{t('perCorrector')}</h3>
              <StatsTable rows={s.correctors} />
            </>
          )}
        </>
      )}
      <AdminRegrades exam={exam} />
    </section>
  );
}

function StatsTable({ rows }: { rows: Summary[] }) {
  const { t, lang } = useI18n();
  const f = (v: number | null) => (v === null ? '—' : formatPoints(Math.round(v), lang));
  return (
    <table className="table">
      <thead>
        <tr>
          <th />
          <th className="num">{t('count')}</th>
          <th className="num">{t('mean')}</th>
          <th className="num">{t('median')}</th>
          <th className="num">{t('sd')}</th>
          <th className="num">{t('min')}</th>
          <th className="num">{t('max')}</th>
          <th className="num">{t('outOf')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            <th scope="row">{r.label}</th>
            <td className="num">{r.count ?? '—'}</td>
            <td className="num">{f(r.mean)}</td>
            <td className="num">{f(r.median)}</td>
            <td className="num">{f(r.sd)}</td>
            <td className="num">{f(r.min)}</td>
            <td className="num">{f(r.max)}</td>
            <td className="num">{f(r.maxPoints)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

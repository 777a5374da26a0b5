import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { Link } from '../../lib/router';
import { formatPoints } from '../../lib/points';
import { shortDate } from '../../lib/time';
import { useAsync } from '../../lib/useAsync';
import { ErrorBox, Loading } from '../common/ui';

export function ResultsPage() {
  const { t, lang } = useI18n();
  const copies = useAsync(() => api.myCopies(), []);
  return (
    <>
      <h1>{t('myResults')}</h1>
      <ErrorBox error={copies.error} onRetry={copies.reload} />
      {copies.loading && !copies.data && <Loading />}
      {copies.data && copies.data.length === 0 && <p>{t('noResults')}</p>}
      {copies.data && copies.data.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>{t('title')}</th>
              <th>{t('examDate')}</th>
              <th className="num">{t('score')}</th>
            </tr>
          </thead>
          <tbody>
            {copies.data.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`/results/${c.id}`}>{c.exam.title}</Link>
                  {c.review?.status === 'UNDER_REVIEW' && <span className="badge"> {t('underReview')}</span>}
                </td>
                <td>{shortDate(c.exam.examDate, lang)}</td>
                <td className="num">
                  {formatPoints(c.total, lang)} / {formatPoints(c.maxTotal, lang)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** Teacher's "my copies": per exam they correct, the copies assigned to them with status. */
import type { CopySummary, Exam } from '@korrigo/contracts';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { Link, navigate, useLocation } from '../../lib/router';
import { formatPoints } from '../../lib/points';
import { hhmm } from '../../lib/time';
import { useAsync } from '../../lib/useAsync';
import { useSession } from '../auth/session';
import { ErrorBox, Loading, StatusBadge } from '../common/ui';
import { QueueRegrades } from '../regrade/QueueRegrades';

export function QueuePage() {
  const { t } = useI18n();
  const { query } = useLocation();
  const exams = useAsync(() => api.listExams(), []);
  const selected = query.get('exam') ?? exams.data?.[0]?.id ?? null;
  return (
    <>
      <h1>{t('myCopies')}</h1>
      <ErrorBox error={exams.error} onRetry={exams.reload} />
      {exams.loading && !exams.data && <Loading />}
      {exams.data && exams.data.length === 0 && <p>{t('noAssigned')}</p>}
      {exams.data && exams.data.length > 0 && (
        <>
          <nav className="tabs" aria-label={t('exams')}>
            {exams.data.map((e) => (
              <Link key={e.id} to={`/queue?exam=${e.id}`} aria-current={e.id === selected ? 'page' : undefined}>
                {e.title}
              </Link>
            ))}
          </nav>
          {selected && <ExamQueue key={selected} exam={exams.data.find((e) => e.id === selected) ?? null} examId={selected} />}
        </>
      )}
    </>
  );
}

function ExamQueue({ examId, exam }: { examId: string; exam: Exam | null }) {
  const { t, lang } = useI18n();
  const { user } = useSession();
  const copies = useAsync(() => api.listCopies(examId, user.role === 'TEACHER' ? { assignedTo: user.id } : {}), [examId, user.id]);
  const list = (copies.data ?? []).filter((c: CopySummary) => c.status !== 'MERGED');
  const count = (...st: CopySummary['status'][]) => list.filter((c) => st.includes(c.status)).length;
  // the next copy to grade: one nobody else is on
  const next = list.find((c) => c.status === 'READY' && (!c.lock || c.lock.owner.id === user.id));
  return (
    <section>
      <QueueRegrades examId={examId} />
      <ErrorBox error={copies.error} onRetry={copies.reload} />
      {copies.loading && !copies.data && <Loading />}
      {copies.data && list.length === 0 && <p>{t('noAssigned')}</p>}
      {list.length > 0 && (
        <div className="row">
          <span data-testid="queue-summary">
            {t('queueSummary', { toGrade: count('READY'), submitted: count('LOCKED', 'GRADING_IN_PROGRESS', 'GRADING_FAILED'), graded: count('GRADED') })}
          </span>
          {next && (
            <Link className="button primary" to={`/copies/${next.id}/grade`}>
              {t('gradeNext')}
            </Link>
          )}
        </div>
      )}
      {list.length > 0 && (
        <table className="table">
          <caption className="sr-only">{t('myCopies')}</caption>
          <thead>
            <tr>
              <th>{t('code')}</th>
              <th>{t('status')}</th>
              <th className="num">{t('pages')}</th>
              <th className="num">{t('score')}</th>
              <th>{t('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((c) => (
              <tr key={c.id} onDoubleClick={() => navigate(`/copies/${c.id}/grade`)}>
                <td>{c.anonymousCode}</td>
                <td>
                  <StatusBadge status={c.status} />
                  {c.lock && c.lock.owner.id !== user.id && (
                    <span className="muted"> · {t('heldBy', { name: c.lock.owner.displayName })} ({hhmm(c.lock.expiresAt)})</span>
                  )}
                </td>
                <td className="num">{c.pageCount}</td>
                <td className="num">{c.total !== null || c.finalScore !== null ? `${formatPoints(c.finalScore ?? c.total, lang)} / ${formatPoints(exam?.maxTotal ?? 0, lang)}` : ''}</td>
                <td>
                  <Link to={`/copies/${c.id}/grade`} aria-label={`${t(c.status === 'READY' ? 'grade' : 'view')} ${c.anonymousCode}`}>
                    {t(c.status === 'READY' ? 'grade' : 'view')}
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

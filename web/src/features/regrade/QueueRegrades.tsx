/**
 * In a teacher's queue: the open regrade requests of their copies on this exam — a badge with how many, and
 * each one with the student's message and a link to the copy, where they answer.
 */
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { Link } from '../../lib/router';
import { useAsync } from '../../lib/useAsync';
import { ErrorBox } from '../common/ui';

export function QueueRegrades({ examId }: { examId: string }) {
  const { t } = useI18n();
  const open = useAsync(() => api.regradeRequests(examId, 'OPEN'), [examId]);
  const items = open.data?.items ?? [];
  if (items.length === 0) return <ErrorBox error={open.error} onRetry={open.reload} />;
  return (
    <section className="card" aria-labelledby="queue-regrades" data-testid="queue-regrades">
      <h2 id="queue-regrades">
        {t('regradesToAnswer')}{' '}
        <span className="badge" data-testid="regrade-badge">
          {items.length}
        </span>
      </h2>
      <ul>
        {items.map((r) => (
          <li key={r.id}>
            <Link to={`/copies/${r.copyId}/grade`}>{t('regradeOpenCopy', { code: r.anonymousCode })}</Link> · <strong>{r.question.label}</strong> — “{r.message}”
          </li>
        ))}
      </ul>
    </section>
  );
}

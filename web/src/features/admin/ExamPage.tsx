/**
 * The page that runs an exam: tabs Scale · Scans · Identification · Attendance · Copies · Correctors · Results.
 * Admins see it for every exam, a teacher for the exams they own; a teacher who only corrects it is sent to
 * their queue.
 */
import type { Exam } from '@korrigo/contracts';
import { api } from '../../api/client';
import { type Key, useI18n } from '../../i18n';
import { Link } from '../../lib/router';
import { formatPoints } from '../../lib/points';
import { shortDate } from '../../lib/time';
import { useAsync } from '../../lib/useAsync';
import { ErrorBox, Loading } from '../common/ui';
import { CopiesTab } from './CopiesTab';
import { CorrectorsTab } from './CorrectorsTab';
import { IdentificationTab } from './IdentificationTab';
import { ResultsTab } from './ResultsTab';
import { AttendanceTab } from './AttendanceTab';
import { useSession } from '../auth/session';
import { ScaleTab } from './ScaleTab';
import { ScansTab } from './ScansTab';

const TABS: { id: string; label: Key }[] = [
  { id: 'scale', label: 'tabScale' },
  { id: 'scans', label: 'tabScans' },
  { id: 'identification', label: 'tabIdentification' },
  { id: 'attendance', label: 'tabAttendance' },
  { id: 'copies', label: 'tabCopies' },
  { id: 'correctors', label: 'tabCorrectors' },
  { id: 'results', label: 'tabResults' },
];

export interface TabProps {
  exam: Exam;
  reload(): void;
}

export function ExamPage({ examId, tab }: { examId: string; tab: string }) {
  const { t, lang } = useI18n();
  const { user } = useSession();
  const exam = useAsync(() => api.getExam(examId), [examId]);
  if (exam.error && !exam.data) return <ErrorBox error={exam.error} onRetry={exam.reload} />;
  if (!exam.data) return <Loading />;
  const e = exam.data;
  if (user.role !== 'ADMIN' && e.owner?.id !== user.id)
    return (
      <>
        <h1>{e.title}</h1>
        <p>{t('notOwner')}</p>
        <Link to="/queue">{t('navQueue')}</Link>
      </>
    );
  const props: TabProps = { exam: e, reload: exam.reload };
  return (
    <>
      <p>
        <Link to="/exams">← {t('exams')}</Link>
      </p>
      <h1>
        {e.title} <span className="muted">{shortDate(e.examDate, lang)} · {t('outOf')} {formatPoints(e.maxTotal, lang)}</span>
      </h1>
      <nav className="tabs" aria-label={e.title}>
        {TABS.map((x) => (
          <Link key={x.id} to={`/exams/${e.id}/${x.id}`} aria-current={tab === x.id ? 'page' : undefined}>
            {t(x.label)}
          </Link>
        ))}
      </nav>
      {tab === 'scale' && <ScaleTab {...props} />}
      {tab === 'scans' && <ScansTab {...props} />}
      {tab === 'identification' && <IdentificationTab {...props} />}
      {tab === 'attendance' && <AttendanceTab {...props} />}
      {tab === 'copies' && <CopiesTab {...props} />}
      {tab === 'correctors' && <CorrectorsTab {...props} />}
      {tab === 'results' && <ResultsTab {...props} />}
    </>
  );
}

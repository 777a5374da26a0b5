import { type FormEvent, useState } from 'react';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { Link, navigate } from '../../lib/router';
import { formatPoints } from '../../lib/points';
import { shortDate } from '../../lib/time';
import { useAsync } from '../../lib/useAsync';
import { ErrorBox, Loading } from '../common/ui';
import { newExercise, type ScaleExercise, toQuestionInputs } from './scale';
import { ScaleBuilder } from './ScaleBuilder';
import { ExamFields } from './ExamFields';
import { examStage } from './stage';
import { useSession } from '../auth/session';

export function ExamsPage() {
  const { t, lang } = useI18n();
  const { user } = useSession();
  const admin = user.role === 'ADMIN';
  const [archived, setArchived] = useState(false);
  const exams = useAsync(() => api.listExams(archived ? 'all' : 'false'), [archived]);
  const [creating, setCreating] = useState(false);
  return (
    <>
      <div className="row">
        <h1>{t('exams')}</h1>
        <span className="spacer" />
        <label className="inline">
          <input type="checkbox" checked={archived} onChange={(e) => setArchived(e.target.checked)} />
          {t('showArchived')}
        </label>
        <button type="button" className="primary" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
          {t('newExam')}
        </button>
      </div>
      {creating && <CreateExam onCancel={() => setCreating(false)} />}
      <ErrorBox error={exams.error} onRetry={exams.reload} />
      {exams.loading && !exams.data && <Loading />}
      {exams.data && exams.data.length === 0 && <p>{t('noExams')}</p>}
      {exams.data && exams.data.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>{t('title')}</th>
              <th>{t('examDate')}</th>
              <th className="num">{t('copiesCount')}</th>
              <th className="num">{t('maxTotal')}</th>
              <th>{t('owner')}</th>
              <th>{t('stage')}</th>
            </tr>
          </thead>
          <tbody>
            {exams.data.map((e) => (
              <tr key={e.id}>
                <td>
                  <Link to={admin || e.owner?.id === user.id ? `/exams/${e.id}` : '/queue'}>{e.title}</Link>
                </td>
                <td>{shortDate(e.examDate, lang)}</td>
                <td className="num">{Object.entries(e.counts ?? {}).filter(([k]) => k !== 'MERGED').reduce((s, [, n]) => s + n, 0)}</td>
                <td className="num">{formatPoints(e.maxTotal, lang)}</td>
                <td>{e.owner?.displayName ?? ''}</td>
                <td>{t(`stage_${examStage(e)}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function CreateExam({ onCancel }: { onCancel(): void }) {
  const { t } = useI18n();
  const [title, setTitle] = useState('');
  const [date, setDate] = useState('');
  const [pages, setPages] = useState('2');
  const [anonymous, setAnonymous] = useState(true);
  const [scale, setScale] = useState<ScaleExercise[]>([newExercise(1)]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = toQuestionInputs(scale);
    if (!r.ok) return setError(new Error(`${t('invalidPoints')}: ${r.errors.join(', ')}`));
    setBusy(true);
    setError(null);
    try {
      const exam = await api.createExam({ title, examDate: date || null, pagesPerCopy: Number(pages), anonymous, questions: r.questions });
      navigate(`/exams/${exam.id}/scans`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card stack" onSubmit={submit} aria-label={t('newExam')}>
      <h2>{t('newExam')}</h2>
      <ExamFields title={title} setTitle={setTitle} date={date} setDate={setDate} pages={pages} setPages={setPages}>
        <label className="inline">
          <input type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} />
          {t('anonymous')}
        </label>
      </ExamFields>
      <ScaleBuilder value={scale} onChange={setScale} />
      <ErrorBox error={error} />
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {t('createExam')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('cancel')}
        </button>
      </div>
    </form>
  );
}

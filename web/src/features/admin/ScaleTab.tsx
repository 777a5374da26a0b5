import { type FormEvent, useState } from 'react';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { navigate } from '../../lib/router';
import { ErrorBox } from '../common/ui';
import type { TabProps } from './ExamPage';
import { fromQuestions, toQuestionInputs } from './scale';
import { ScaleBuilder } from './ScaleBuilder';
import { ExamFields } from './ExamFields';
import { RubricAdmin } from './RubricAdmin';

export function ScaleTab({ exam, reload }: TabProps) {
  const { t, lang } = useI18n();
  const [title, setTitle] = useState(exam.title);
  const [date, setDate] = useState(exam.examDate ?? '');
  const [pages, setPages] = useState(String(exam.pagesPerCopy));
  const [scale, setScale] = useState(() => fromQuestions(exam.questions, lang));
  const [anonymous, setAnonymous] = useState(exam.anonymous);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);

  async function save(e: FormEvent) {
    e.preventDefault();
    const r = toQuestionInputs(scale);
    if (!r.ok) return setError(new Error(`${t('invalidPoints')}: ${r.errors.join(', ')}`));
    setError(null);
    setDone(false);
    try {
      // sent only when changed: once grading has started the server refuses a change, not a save of the scale
      const anonymity = anonymous !== exam.anonymous ? { anonymous } : {};
      await api.updateExam(exam.id, { title, examDate: date || null, pagesPerCopy: Number(pages), ...anonymity, questions: r.questions });
      setDone(true);
      reload();
    } catch (err) {
      setError(err);
    }
  }
  async function act(fn: () => Promise<unknown>, after?: () => void) {
    setError(null);
    try {
      await fn();
      if (after) after();
      else reload();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <>
    <form className="stack" onSubmit={save}>
      <ExamFields title={title} setTitle={setTitle} date={date} setDate={setDate} pages={pages} setPages={setPages}>
        <label className="inline">
          <input type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} aria-describedby="anonymous-hint" />
          {t('anonymous')}
        </label>
      </ExamFields>
      <p id="anonymous-hint" className="muted">
        {t('anonymousHint')}
      </p>
      <ScaleBuilder value={scale} onChange={setScale} />
      <ErrorBox error={error} />
      {done && <p className="success" role="status">{t('saved')}</p>}
      <div className="row">
        <button type="submit" className="primary">
          {t('saveScale')}
        </button>
        <span className="spacer" />
        <button type="button" onClick={() => void act(() => api.archiveExam(exam.id, !exam.archivedAt))}>
          {exam.archivedAt ? t('unarchive') : t('archive')}
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => window.confirm(t('confirmDelete')) && void act(() => api.deleteExam(exam.id), () => navigate('/exams'))}
        >
          {t('deleteExam')}
        </button>
      </div>
    </form>
    <RubricAdmin exam={exam} reload={reload} />
    </>
  );
}

import { useState } from 'react';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { useAsync } from '../../lib/useAsync';
import { ErrorBox, Loading } from '../common/ui';
import type { TabProps } from './ExamPage';

export function CorrectorsTab({ exam, reload }: TabProps) {
  const { t } = useI18n();
  const users = useAsync(() => api.listUsers(), []);
  const [chosen, setChosen] = useState<Set<string>>(() => new Set(exam.correctors.map((c) => c.id)));
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState('');
  const teachers = (users.data ?? []).filter((u) => u.role === 'TEACHER' && u.isActive !== false);

  async function run(fn: () => Promise<string>) {
    setError(null);
    setMessage('');
    try {
      setMessage(await fn());
      reload();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <section className="stack">
      <fieldset>
        <legend>{t('correctors')}</legend>
        {users.loading && !users.data && <Loading />}
        <ErrorBox error={users.error} />
        {users.data && teachers.length === 0 && <p>{t('noTeachers')}</p>}
        {teachers.map((u) => (
          <label key={u.id} className="inline">
            <input
              type="checkbox"
              checked={chosen.has(u.id)}
              onChange={() =>
                setChosen((s) => {
                  const n = new Set(s);
                  if (n.has(u.id)) n.delete(u.id);
                  else n.add(u.id);
                  return n;
                })
              }
            />
            {u.displayName} <span className="muted">{u.email}</span>
          </label>
        ))}
      </fieldset>
      <div className="row">
        <button type="button" className="primary" onClick={() => void run(async () => (await api.setCorrectors(exam.id, [...chosen]), t('saved')))}>
          {t('saveCorrectors')}
        </button>
        <button type="button" onClick={() => void run(async () => t('dispatched', { n: (await api.dispatch(exam.id)).assigned }))}>
          {t('dispatch')}
        </button>
      </div>
      <ErrorBox error={error} />
      {message && <p role="status" className="success">{message}</p>}
    </section>
  );
}

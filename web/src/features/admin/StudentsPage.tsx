/** Roster: import a CSV (created/updated/errors with their lines) and search students. */
import { type FormEvent, useEffect, useState } from 'react';
import { api, type ImportResult, type Student } from '../../api/client';
import { useI18n } from '../../i18n';
import { ErrorBox } from '../common/ui';

export function StudentsPage() {
  const { t } = useI18n();
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [q, setQ] = useState('');
  const [list, setList] = useState<Student[]>([]);
  const [listError, setListError] = useState<unknown>(null);
  const [gen, setGen] = useState(0);

  useEffect(() => {
    const ctl = new AbortController();
    const id = setTimeout(() => api.searchStudents(q, ctl.signal).then(setList, (e) => e.name !== 'AbortError' && setListError(e)), 150);
    return () => (clearTimeout(id), ctl.abort());
  }, [q, gen]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      // sent as the file's bytes: the server detects UTF-8 or Windows-1252 itself
      setResult(await api.importStudents(file));
      setGen((g) => g + 1);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>{t('students')}</h1>
      <form className="card stack" onSubmit={submit} aria-label={t('importRoster')}>
        <h2>{t('importRoster')}</h2>
        <p className="muted">{t('importIntro')}</p>
        <label>
          CSV
          <input type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <div>
          <button type="submit" className="primary" disabled={!file || busy}>
            {t('import')}
          </button>
        </div>
        <ErrorBox error={error} />
        {result && (
          <div role="status">
            <p className="success">{t('imported', { created: result.created, updated: result.updated })}</p>
            {result.errors?.length > 0 && (
              <table className="table" aria-label={t('importErrors')}>
                <thead>
                  <tr>
                    <th>{t('line')}</th>
                    <th>{t('message')}</th>
                  </tr>
                </thead>
                <tbody>
                  {result.errors.map((er, i) => (
                    <tr key={i}>
                      <td>{er.line}</td>
                      <td>{er.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        )}
      </form>
      <label className="inline">
        {t('search')}
        <input type="search" value={q} onChange={(e) => setQ(e.target.value)} aria-label={t('searchStudent')} />
      </label>
      <ErrorBox error={listError} />
      <table className="table">
        <thead>
          <tr>
            <th>{t('studentNumber')}</th>
            <th>{t('lastName')}</th>
            <th>{t('firstName')}</th>
            <th>{t('className')}</th>
            <th>{t('email')}</th>
          </tr>
        </thead>
        <tbody>
          {list.map((s) => (
            <tr key={s.id}>
              <td>{s.studentNumber}</td>
              <td>{s.lastName}</td>
              <td>{s.firstName}</td>
              <td>{s.className}</td>
              <td>{s.email}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

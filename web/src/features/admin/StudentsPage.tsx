/** Roster: import a CSV (created/updated/errors with their lines), search students, provision their accounts. */
import { type FormEvent, useEffect, useState } from 'react';
import { api, type ImportResult, type Student } from '../../api/client';
import { useI18n } from '../../i18n';
import { Dialog, ErrorBox, Loading } from '../common/ui';
import { ProvisionResult, type Provisioned } from './ProvisionResult';

export function StudentsPage() {
  const { t } = useI18n();
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [q, setQ] = useState('');
  const [list, setList] = useState<{ items: Student[]; more: boolean } | null>(null);
  const [listError, setListError] = useState<unknown>(null);
  const [gen, setGen] = useState(0);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [provisioned, setProvisioned] = useState<Provisioned | null>(null);
  const [provisionError, setProvisionError] = useState<unknown>(null);
  const [provisioning, setProvisioning] = useState(false);
  const [format, setFormat] = useState<'csv' | 'pdf'>('csv');
  const [confirmReset, setConfirmReset] = useState(false);

  useEffect(() => {
    const ctl = new AbortController();
    const id = setTimeout(
      () =>
        api.listStudents(q, ctl.signal).then(
          (r) => (setList(r), setListError(null)),
          (e) => e.name !== 'AbortError' && setListError(e),
        ),
      150,
    );
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

  async function provision(body: { studentIds?: string[]; reset?: boolean }) {
    setConfirmReset(false);
    setProvisioning(true);
    setProvisionError(null);
    try {
      const r = await api.provisionAccounts({ ...body, format });
      setProvisioned({ ...r, reset: !!body.reset });
      setSelected(new Set());
      setGen((g) => g + 1);
    } catch (err) {
      setProvisionError(err);
    } finally {
      setProvisioning(false);
    }
  }

  const items = list?.items ?? [];
  const allShown = items.length > 0 && items.every((s) => selected.has(s.id));
  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  return (
    <>
      <h1>{t('students')}</h1>
      <form className="card stack" onSubmit={submit} aria-label={t('importRoster')}>
        <h2>{t('importRoster')}</h2>
        <p className="muted">{t('importIntro')}</p>
        <label>
          {t('csvFile')}
          <input type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <div>
          <button type="submit" className="primary" disabled={!file || busy}>
            {busy ? t('importing') : t('import')}
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

      <section className="card stack" aria-label={t('accounts')}>
        <h2>{t('accounts')}</h2>
        <p className="muted">{t('accountsIntro')}</p>
        <div className="row">
          <label className="inline">
            {t('provisionFormat')}
            <select value={format} onChange={(e) => setFormat(e.target.value as 'csv' | 'pdf')}>
              <option value="csv">{t('provisionCsv')}</option>
              <option value="pdf">{t('provisionPdf')}</option>
            </select>
          </label>
          <button type="button" className="primary" disabled={provisioning} onClick={() => void provision({})}>
            {t('provisionMissing')}
          </button>
          <button type="button" disabled={provisioning || selected.size === 0} onClick={() => setConfirmReset(true)}>
            {t('resetSelected', { n: selected.size })}
          </button>
          {provisioning && <Loading />}
        </div>
        <ErrorBox error={provisionError} />
        {provisioned && <ProvisionResult result={provisioned} onDismiss={() => setProvisioned(null)} />}
      </section>

      <label className="inline">
        {t('search')}
        <input type="search" value={q} onChange={(e) => setQ(e.target.value)} aria-label={t('searchStudent')} />
      </label>
      <ErrorBox error={listError} onRetry={() => setGen((g) => g + 1)} />
      {!list && !listError && <Loading />}
      {list && items.length === 0 && <p>{q.trim() ? t('noMatch') : t('noStudents')}</p>}
      {items.length > 0 && (
        <table className="table" aria-label={t('students')}>
          <thead>
            <tr>
              <th>
                <input
                  type="checkbox"
                  aria-label={t('selectAllShown')}
                  checked={allShown}
                  onChange={() => setSelected(allShown ? new Set() : new Set(items.map((s) => s.id)))}
                />
              </th>
              <th>{t('studentNumber')}</th>
              <th>{t('lastName')}</th>
              <th>{t('firstName')}</th>
              <th>{t('className')}</th>
              <th>{t('email')}</th>
              <th>{t('account')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.id}>
                <td>
                  <input type="checkbox" aria-label={`${t('select')} ${s.lastName} ${s.firstName}`} checked={selected.has(s.id)} onChange={() => toggle(s.id)} />
                </td>
                <td>{s.studentNumber}</td>
                <td>{s.lastName}</td>
                <td>{s.firstName}</td>
                <td>{s.className}</td>
                <td>{s.email}</td>
                <td>{s.hasAccount ? t('hasAccount') : <span className="muted">{t('noAccount')}</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list?.more && <p className="muted">{t('moreStudents', { n: items.length })}</p>}

      {confirmReset && (
        <Dialog title={t('resetTitle', { n: selected.size })} onClose={() => setConfirmReset(false)} labelledBy="reset-title">
          <p>{t('resetIntro')}</p>
          <div className="row">
            <button type="button" onClick={() => setConfirmReset(false)}>
              {t('cancel')}
            </button>
            <button type="button" className="primary" onClick={() => void provision({ studentIds: [...selected], reset: true })}>
              {t('resetConfirm')}
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}

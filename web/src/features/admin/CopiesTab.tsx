/**
 * Copies of the exam, filterable by status (with counts): validate, merge, open, unlock, reopen, finalize, and
 * hand a copy to another corrector (refused while someone holds its edit lease: the error says who).
 */
import type { CopyStatus, CopySummary, UserRef } from '@korrigo/contracts';
import { useState } from 'react';
import { api } from '../../api/client';
import { type Key, useI18n } from '../../i18n';
import { Link } from '../../lib/router';
import { formatPoints } from '../../lib/points';
import { useAsync } from '../../lib/useAsync';
import { ErrorBox, Loading, StatusBadge } from '../common/ui';
import type { TabProps } from './ExamPage';

const STATUSES: CopyStatus[] = ['STAGING', 'READY', 'LOCKED', 'GRADING_IN_PROGRESS', 'GRADED', 'GRADING_FAILED', 'MERGED'];

export function CopiesTab({ exam, reload }: TabProps) {
  const { t, lang } = useI18n();
  const [status, setStatus] = useState<CopyStatus | ''>('');
  const copies = useAsync(() => api.listCopies(exam.id, status ? { status } : {}), [exam.id, status]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>(null);
  const counts = exam.counts ?? {};
  const total = Object.entries(counts).filter(([k]) => k !== 'MERGED').reduce((s, [, n]) => s + n, 0);

  async function act(fn: () => Promise<unknown>) {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err);
    }
    setSelected(new Set());
    copies.reload();
    reload();
  }
  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const list = copies.data ?? [];
  const staging = list.filter((c) => selected.has(c.id) && c.status === 'STAGING');

  return (
    <section>
      <div className="row">
        <label className="inline">
          {t('status')}
          <select value={status} onChange={(e) => setStatus(e.target.value as CopyStatus | '')}>
            <option value="">
              {t('allStatuses')} ({total})
            </option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status_${s}` as Key)} ({counts[s] ?? 0})
              </option>
            ))}
          </select>
        </label>
        <button type="button" disabled={staging.length === 0} onClick={() => void act(async () => { for (const c of staging) await api.validate(c.id); })}>
          {t('validateSelected')}
        </button>
        <button type="button" disabled={selected.size < 2} onClick={() => void act(() => api.merge(exam.id, [...selected]))}>
          {t('merge')}
        </button>
      </div>
      <ErrorBox error={error || copies.error} />
      {copies.loading && !copies.data && <Loading />}
      {copies.data && list.length === 0 && <p>{t('noCopies')}</p>}
      {list.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>
                <span className="sr-only">{t('select')}</span>
              </th>
              <th>{t('code')}</th>
              <th>{t('student')}</th>
              <th>{t('status')}</th>
              <th>{t('assignedTo')}</th>
              <th className="num">{t('pages')}</th>
              <th className="num">{t('score')}</th>
              <th>{t('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((c: CopySummary) => (
              <tr key={c.id}>
                <td>
                  <input type="checkbox" aria-label={`${t('select')} ${c.anonymousCode}`} checked={selected.has(c.id)} onChange={() => toggle(c.id)} />
                </td>
                <td>{c.anonymousCode}</td>
                <td>{c.student ? `${c.student.lastName} ${c.student.firstName}` : '—'}</td>
                <td>
                  <StatusBadge status={c.status} />
                  {c.lock && <span className="muted"> · {t('heldBy', { name: c.lock.owner.displayName })}</span>}
                </td>
                <td>
                  {c.status === 'MERGED' ? (
                    (c.assignedTo?.displayName ?? '—')
                  ) : (
                    <AssigneeSelect copy={c} correctors={exam.correctors} onSaved={copies.reload} />
                  )}
                </td>
                <td className="num">{c.pageCount}</td>
                <td className="num">{c.finalScore !== null || c.total !== null ? formatPoints(c.finalScore ?? c.total, lang) : ''}</td>
                <td>
                  <div className="row tight">
                    {c.status === 'STAGING' && (
                      <button type="button" aria-label={`${t('validate')} ${c.anonymousCode}`} onClick={() => void act(() => api.validate(c.id))}>
                        {t('validate')}
                      </button>
                    )}
                    {c.status !== 'STAGING' && c.status !== 'MERGED' && <Link to={`/copies/${c.id}/grade`}>{t('open')}</Link>}
                    {c.lock && (
                      <button
                        type="button"
                        onClick={() => {
                          // no token: the admin (or the exam's owner) breaks the holder's lease; the server records it
                          if (window.confirm(t('breakLeaseConfirm', { name: c.lock!.owner.displayName, code: c.anonymousCode }))) {
                            void act(() => api.unlockLease(c.id, null));
                          }
                        }}
                      >
                        {t('breakLease')}
                      </button>
                    )}
                    {c.status === 'LOCKED' && (
                      <button type="button" onClick={() => void act(() => api.unlockCopy(c.id))}>
                        {t('unlock')}
                      </button>
                    )}
                    {(c.status === 'LOCKED' || c.status === 'GRADING_FAILED') && (
                      <button type="button" onClick={() => void act(() => api.finalize(c.id, null))}>
                        {t('finalize')}
                      </button>
                    )}
                    {c.status === 'GRADED' && (
                      <>
                        <a href={api.finalPdfUrl(c.id)} target="_blank" rel="noreferrer">
                          PDF
                        </a>
                        <button type="button" onClick={() => void act(() => api.reopen(c.id))}>
                          {t('reopen')}
                        </button>
                      </>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The copy's corrector, changed in place; a refusal (someone is grading it) shows on the row itself. */
function AssigneeSelect({ copy, correctors, onSaved }: { copy: CopySummary; correctors: UserRef[]; onSaved(): void }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const current = copy.assignedTo;
  // someone no longer a corrector still shows as the current assignee
  const options = current && !correctors.some((u) => u.id === current.id) ? [...correctors, current] : correctors;
  async function change(userId: string | null) {
    setBusy(true);
    setError(null);
    try {
      await api.setAssignee(copy.id, userId);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <select aria-label={t('assigneeOf', { code: copy.anonymousCode })} value={current?.id ?? ''} disabled={busy} onChange={(e) => void change(e.target.value || null)}>
        <option value="">{t('unassigned')}</option>
        {options.map((u) => (
          <option key={u.id} value={u.id}>
            {u.displayName}
          </option>
        ))}
      </select>
      <ErrorBox error={error} />
    </>
  );
}

/**
 * Attendance of an exam: the roster of its classes, each student present (has a copy), absent, excused, exempt
 * or not set yet. The same list sits under the identification desk, for the students left without a copy.
 */
import { type FormEvent, useState } from 'react';
import { api, type AttendanceList } from '../../api/client';
import { type Key, useI18n } from '../../i18n';
import { useAsync } from '../../lib/useAsync';
import { ErrorBox, Loading } from '../common/ui';
import type { TabProps } from './ExamPage';

const SETTABLE = ['ABSENT', 'EXCUSED', 'EXEMPT'] as const;
type Entry = AttendanceList['items'][number];

export function AttendanceTab({ exam }: TabProps) {
  return <AttendancePanel examId={exam.id} />;
}

export function AttendancePanel({ examId, withoutCopyOnly = false }: { examId: string; withoutCopyOnly?: boolean }) {
  const { t } = useI18n();
  const [classes, setClasses] = useState('');
  const [adding, setAdding] = useState('');
  const list = useAsync(() => api.attendance(examId, classes), [examId, classes]);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState<string | null>(null);

  async function set(e: Entry, status: string) {
    setSaving(e.student.id);
    setError(null);
    try {
      await api.setAttendance(examId, e.student.id, status === '' ? null : (status as (typeof SETTABLE)[number]));
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setSaving(null);
    }
  }
  function addClass(ev: FormEvent) {
    ev.preventDefault();
    if (!adding.trim()) return;
    setClasses((c) => [...new Set([...c.split(','), adding.trim()].filter(Boolean))].join(','));
    setAdding('');
  }

  const data = list.data;
  const items = (data?.items ?? []).filter((i) => !withoutCopyOnly || !i.copy);
  return (
    <section className="stack" aria-label={withoutCopyOnly ? t('attendanceDeskTitle') : t('tabAttendance')}>
      {withoutCopyOnly && <h2>{t('attendanceDeskTitle')}</h2>}
      <form className="row" onSubmit={addClass}>
        <label className="inline">
          {t('attendanceAddClass')}
          <input value={adding} onChange={(e) => setAdding(e.target.value)} />
        </label>
        <button type="submit">{t('addClass')}</button>
        {data && <span className="muted">{t('attendanceClasses', { classes: data.classes.join(', ') || '—' })}</span>}
      </form>
      <ErrorBox error={error ?? list.error} onRetry={list.reload} />
      {!data && <Loading />}
      {data && <p className="muted" data-testid="attendance-summary">{t('attendanceSummary', data.counts)}</p>}
      {data && items.length > 0 && (
        <table className="table" aria-label={t('tabAttendance')}>
          <thead>
            <tr>
              <th>{t('student')}</th>
              <th>{t('filterClass')}</th>
              <th>{t('tabAttendance')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => {
              const name = `${e.student.lastName} ${e.student.firstName}`;
              return (
                <tr key={e.student.id}>
                  <td>
                    {name} <span className="muted">{e.student.studentNumber}</span>
                  </td>
                  <td>{e.student.className ?? ''}</td>
                  <td>
                    {e.copy ? (
                      <span>
                        {t('attendance_PRESENT')} <span className="muted">{e.copy.anonymousCode}</span>
                      </span>
                    ) : (
                      <select
                        aria-label={t('attendanceOf', { name })}
                        value={e.status ?? ''}
                        disabled={saving === e.student.id}
                        onChange={(ev) => void set(e, ev.target.value)}
                      >
                        <option value="">{t('attendanceUnknown')}</option>
                        {SETTABLE.map((s) => (
                          <option key={s} value={s}>
                            {t(`attendance_${s}` as Key)}
                          </option>
                        ))}
                      </select>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

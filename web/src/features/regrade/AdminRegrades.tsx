/**
 * The exam office's view of an exam's regrade requests: the deadline, every request with the copy's anonymous
 * code and the student's name in separate, labelled columns, its corrector (reassignable to another corrector of
 * the exam), and the answer — an admin may also accept or reject.
 */
import type { Exam, RegradeRequest, UserRef } from '@korrigo/contracts';
import { type FormEvent, useState } from 'react';
import { api } from '../../api/client';
import { type Key, useI18n } from '../../i18n';
import { shortDate } from '../../lib/time';
import { useAsync } from '../../lib/useAsync';
import { ErrorBox, Loading } from '../common/ui';
import { AnswerForm } from './RegradeDeskPanel';

export function AdminRegrades({ exam }: { exam: Pick<Exam, 'id' | 'correctors'> }) {
  const { t } = useI18n();
  const list = useAsync(() => api.regradeRequests(exam.id), [exam.id]);
  return (
    <section aria-labelledby="admin-regrades">
      <h2 id="admin-regrades">{t('regradeRequests')}</h2>
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.loading && !list.data && <Loading />}
      {list.data && <DeadlineForm examId={exam.id} deadline={list.data.regradeDeadline} onSaved={list.reload} />}
      {list.data && list.data.items.length === 0 && <p className="muted">{t('noRegrades')}</p>}
      {list.data && list.data.items.length > 0 && (
        <table className="table" data-testid="admin-regrades">
          <thead>
            <tr>
              <th>{t('anonymousCode')}</th>
              <th>{t('studentName')}</th>
              <th>{t('question')}</th>
              <th>{t('message')}</th>
              <th>{t('regradeCorrector')}</th>
              <th>{t('status')}</th>
              <th>{t('answer')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((r) => (
              <tr key={r.id}>
                <td>{r.anonymousCode}</td>
                <td>{r.student ? `${r.student.lastName} ${r.student.firstName}` : '—'}</td>
                <td>{r.question.label}</td>
                <td>{r.message}</td>
                <td>
                  {r.corrector?.displayName ?? <span className="muted">{t('regradeNobody')}</span>}
                  {r.status === 'OPEN' && <Reassign request={r} correctors={exam.correctors} onDone={list.reload} />}
                </td>
                <td>{r.decision ? t(`regradeDecision_${r.decision}` as Key) : t('regradeOpen')}</td>
                <td>{r.answer ?? <AnswerForm id={r.id} onDone={list.reload} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Reassign({ request, correctors, onDone }: { request: RegradeRequest; correctors: UserRef[]; onDone(): void }) {
  const { t } = useI18n();
  const others = correctors.filter((c) => c.id !== request.corrector?.id);
  const [to, setTo] = useState(others[0]?.id ?? '');
  const [error, setError] = useState<unknown>(null);
  if (others.length === 0) return null;
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      await api.reassignRegrade(request.id, to);
      onDone();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <form className="row" onSubmit={submit}>
      <label className="inline">
        {t('regradeReassignTo')}
        <select value={to} onChange={(e) => setTo(e.target.value)}>
          {others.map((c) => (
            <option key={c.id} value={c.id}>
              {c.displayName}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">{t('regradeReassign')}</button>
      <ErrorBox error={error} />
    </form>
  );
}

/** A date (end of that day, local time) or none. */
function DeadlineForm({ examId, deadline, onSaved }: { examId: string; deadline: string | null; onSaved(): void }) {
  const { t, lang } = useI18n();
  const [day, setDay] = useState(deadline ? localDay(deadline) : '');
  const [error, setError] = useState<unknown>(null);
  async function save(value: string | null) {
    setError(null);
    try {
      await api.setRegradeDeadline(examId, value === null ? null : new Date(`${value}T23:59:59`).toISOString());
      onSaved();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <form
      className="card row"
      onSubmit={(e) => {
        e.preventDefault();
        if (day) void save(day);
      }}
    >
      <label className="inline">
        {t('regradeDeadline')}
        <input type="date" value={day} onChange={(e) => setDay(e.target.value)} />
      </label>
      <span className="muted">{deadline ? shortDate(deadline, lang) : t('regradeNoDeadline')}</span>
      <button type="submit" disabled={!day}>
        {t('regradeSetDeadline')}
      </button>
      {deadline && (
        <button type="button" onClick={() => void save(null)}>
          {t('regradeClearDeadline')}
        </button>
      )}
      <ErrorBox error={error} />
    </form>
  );
}

const localDay = (iso: string) => {
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

/**
 * Who corrects the exam, and how many copies each has. Dispatch hands out the ready copies nobody has; rebalance
 * also moves copies nobody has started on, so loads even out (e.g. after adding a corrector).
 */
import { useState } from 'react';
import { api, type DispatchResult } from '../../api/client';
import { useI18n } from '../../i18n';
import { useAsync } from '../../lib/useAsync';
import { ErrorBox, Loading } from '../common/ui';
import type { TabProps } from './ExamPage';
import { QuestionDispatch } from './QuestionDispatch';

export function CorrectorsTab({ exam, reload }: TabProps) {
  const { t } = useI18n();
  const users = useAsync(() => api.listUsers(), []);
  const copies = useAsync(() => api.listCopies(exam.id), [exam.id]);
  const [chosen, setChosen] = useState<Set<string>>(() => new Set(exam.correctors.map((c) => c.id)));
  /** the outcome, shown next to the button that asked for it */
  const [outcome, setOutcome] = useState<{ at: 'save' | 'dispatch'; message?: string; error?: unknown } | null>(null);
  const [busy, setBusy] = useState(false);
  const teachers = (users.data ?? []).filter((u) => u.role === 'TEACHER' && u.isActive !== false);
  const saved = new Set(exam.correctors.map((c) => c.id));
  const unsavedChoice = chosen.size !== saved.size || [...chosen].some((id) => !saved.has(id));

  const live = (copies.data ?? []).filter((c) => c.status !== 'MERGED');
  const loadOf = (id: string) => live.filter((c) => c.assignedTo?.id === id).length;
  const unassignedReady = live.filter((c) => !c.assignedTo && c.status === 'READY').length;
  // correctors, plus anyone who still has copies of the exam without being one any more
  const people = [...exam.correctors];
  for (const c of live) if (c.assignedTo && !people.some((p) => p.id === c.assignedTo!.id)) people.push(c.assignedTo);

  async function run(at: 'save' | 'dispatch', fn: () => Promise<string>) {
    setOutcome(null);
    setBusy(true);
    try {
      setOutcome({ at, message: await fn() });
      reload();
      copies.reload();
    } catch (error) {
      setOutcome({ at, error });
    } finally {
      setBusy(false);
    }
  }
  const outcomeAt = (at: 'save' | 'dispatch') =>
    outcome?.at === at && (
      <>
        <ErrorBox error={outcome.error} />
        {outcome.message && (
          <p role="status" className="success">
            {outcome.message}
          </p>
        )}
      </>
    );
  const dispatched = (r: DispatchResult) =>
    r.moved > 0 ? t('dispatchedMoved', { n: r.assigned, moved: r.moved }) : t('dispatched', { n: r.assigned });

  return (
    <section className="stack">
      <fieldset>
        <legend>{t('correctors')}</legend>
        {users.loading && !users.data && <Loading />}
        <ErrorBox error={users.error} onRetry={users.reload} />
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
        <div className="row">
          <button type="button" className="primary" disabled={busy || !unsavedChoice} onClick={() => void run('save', async () => (await api.setCorrectors(exam.id, [...chosen]), t('saved')))}>
            {t('saveCorrectors')}
          </button>
          {unsavedChoice && <span className="muted">{t('correctorsUnsaved')}</span>}
        </div>
        {outcomeAt('save')}
      </fieldset>

      <section aria-label={t('workload')}>
        <h2>{t('workload')}</h2>
        {copies.loading && !copies.data && <Loading />}
        <ErrorBox error={copies.error} onRetry={copies.reload} />
        {copies.data && (
          <>
            {people.length > 0 && (
              <table className="table" aria-label={t('workload')}>
                <thead>
                  <tr>
                    <th>{t('assignedTo')}</th>
                    <th className="num">{t('copiesCount')}</th>
                  </tr>
                </thead>
                <tbody>
                  {people.map((p) => (
                    <tr key={p.id}>
                      <td>
                        {p.displayName}
                        {!saved.has(p.id) && <span className="muted"> · {t('notCorrector')}</span>}
                      </td>
                      <td className="num">{loadOf(p.id)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <p data-testid="unassigned">{t('unassignedReady', { n: unassignedReady })}</p>
          </>
        )}
        <div className="row">
          <button
            type="button"
            className="primary"
            disabled={busy || saved.size === 0 || unsavedChoice}
            onClick={() => void run('dispatch', async () => dispatched(await api.dispatch(exam.id)))}
          >
            {t('dispatch')}
          </button>
          <button
            type="button"
            disabled={busy || saved.size === 0 || unsavedChoice}
            onClick={() => void run('dispatch', async () => dispatched(await api.dispatch(exam.id, true)))}
          >
            {t('rebalance')}
          </button>
          {saved.size === 0 && <span className="muted">{t('needCorrectors')}</span>}
        </div>
        {outcomeAt('dispatch')}
        <p className="muted">{t('rebalanceHelp')}</p>
      </section>
      <QuestionDispatch exam={exam} reload={reload} />
    </section>
  );
}

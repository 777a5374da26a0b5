/**
 * Scale tab, issue 13: per leaf question its scoring mode and its rubric items (new, edit through the preview,
 * retire; delete while unused), and where each question is answered (RegionEditor).
 */
import { useState } from 'react';
import { ApiError } from '../../api/errors';
import { useI18n } from '../../i18n';
import { formatDelta, formatPoints } from '../../lib/points';
import { useAsync } from '../../lib/useAsync';
import { ErrorBox, Loading } from '../common/ui';
import { scaleRows } from '../grading/scores';
import { ItemEditDialog } from '../grading/rubric/ItemEditDialog';
import { ItemForm } from '../grading/rubric/ItemForm';
import { rubricApi } from '../grading/rubric/rubric-api';
import { SCORING_MODES, type RubricItem, type ScoringMode } from '../grading/rubric/rubric-types';
import type { TabProps } from './ExamPage';
import { RegionEditor } from './RegionEditor';

export function RubricAdmin({ exam }: TabProps) {
  const { t, lang } = useI18n();
  const data = useAsync(() => rubricApi.items(exam.id), [exam.id]);
  const [editing, setEditing] = useState<RubricItem | null>(null);
  const [adding, setAdding] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const leaves = scaleRows(exam.questions).filter((q) => q.isLeaf);

  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      data.reload();
    } catch (err) {
      setError(err);
    }
  };
  if (data.error instanceof ApiError && data.error.isMissingRoute) return null;
  return (
    <section className="stack" aria-label={t('scaleRubricTitle')} data-testid="rubric-admin">
      <h2>{t('scaleRubricTitle')}</h2>
      {data.loading && !data.data && <Loading />}
      <ErrorBox error={data.error ?? error} onRetry={data.reload} />
      {data.data &&
        leaves.map((q) => {
          const mode = data.data!.settings[q.id]?.scoringMode ?? 'FREE';
          const items = data.data!.items.filter((i) => i.questionId === q.id).sort((a, b) => a.order - b.order);
          return (
            <fieldset key={q.id} data-testid={`rubric-admin-${q.label}`}>
              <legend>
                {q.label} <span className="muted">/ {formatPoints(q.maxPoints, lang)}</span>
              </legend>
              <label className="inline">
                {t('scoringMode')}{' '}
                <select value={mode} onChange={(e) => void act(() => rubricApi.setMode(exam.id, q.id, e.target.value as ScoringMode))}>
                  {SCORING_MODES.map((m) => (
                    <option key={m} value={m}>
                      {t(`mode_${m}`)}
                    </option>
                  ))}
                </select>
              </label>
              {items.length === 0 ? (
                <p className="muted">{t('rubricNoItems')}</p>
              ) : (
                <table className="table">
                  <thead>
                    <tr>
                      <th>{t('rubricItemLabel')}</th>
                      <th className="num">{t('rubricItemPoints')}</th>
                      <th>{t('rubricItemGroup')}</th>
                      <th>{t('rubricItemComment')}</th>
                      <th className="num">{t('rubricUsageHead')}</th>
                      <th>{t('actions')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((it) => (
                      <tr key={it.id} className={it.retired ? 'muted' : undefined}>
                        <td>
                          {it.label} {it.retired && <em>({t('rubricRetired')})</em>}
                        </td>
                        <td className="num">{formatDelta(it.points, lang)}</td>
                        <td>{it.group ?? ''}</td>
                        <td>{it.comment}</td>
                        <td className="num">{it.usage}</td>
                        <td>
                          <button type="button" className="link" onClick={() => setEditing(it)}>
                            {t('rubricEditItem')}
                          </button>{' '}
                          {it.usage === 0 ? (
                            <button type="button" className="link" onClick={() => void act(() => rubricApi.deleteItem(it.id, it.version))}>
                              {t('rubricDelete')}
                            </button>
                          ) : (
                            !it.retired && (
                              <button type="button" className="link" title={t('rubricInUse', { n: it.usage })} onClick={() => void act(() => rubricApi.patchItem(it.id, it.version, { retired: true }))}>
                                {t('rubricRetire')}
                              </button>
                            )
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {adding === q.id ? (
                <ItemForm
                  examId={exam.id}
                  questionId={q.id}
                  onDone={(it) => {
                    setAdding(null);
                    if (it) data.reload();
                  }}
                />
              ) : (
                <button type="button" onClick={() => setAdding(q.id)}>
                  {t('rubricNewItem')}
                </button>
              )}
            </fieldset>
          );
        })}
      {data.data && <RegionEditor exam={exam} settings={data.data.settings} onSaved={data.reload} />}
      {editing && (
        <ItemEditDialog
          item={editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            data.reload();
          }}
        />
      )}
    </section>
  );
}

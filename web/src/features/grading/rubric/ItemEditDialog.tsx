/**
 * Editing a rubric item changes every copy that uses it, so it goes through a preview first (POST …/preview):
 * which copies change, their question score and total before → after, the histogram before/after, and the GRADED
 * copies an admin must reopen (they are not changed). Confirm sends the PATCH with the item's version; a 409 shows
 * the other person's version in the form. An item in use can only be retired.
 */
import { useState } from 'react';
import { ApiError, errorMessage } from '../../../api/errors';
import { useI18n } from '../../../i18n';
import { formatPoints } from '../../../lib/points';
import { Dialog } from '../../common/ui';
import { type ItemDraft, planItemEdit } from './item-edit';
import type { RubricItem as RubricItemDto } from '@korrigo/contracts';
import { normItem } from './normalize';
import { type ItemFields, rubricApi } from './rubric-api';
import type { ItemPreview, RubricItem } from './rubric-types';
import { PreviewHistograms } from './PreviewHistograms';

const draftOf = (it: RubricItem, lang: 'fr' | 'en'): ItemDraft => ({ label: it.label, comment: it.comment ?? '', points: formatPoints(it.points, lang), group: it.group ?? '' });

export function ItemEditDialog({ item: initial, onClose, onSaved }: { item: RubricItem; onClose(): void; onSaved(item: RubricItem): void }) {
  const { t, lang } = useI18n();
  const [item, setItem] = useState(initial);
  const [d, setD] = useState(() => draftOf(initial, lang));
  const [preview, setPreview] = useState<{ fields: ItemFields; result: ItemPreview } | null>(null);
  const [busy, setBusy] = useState<'preview' | 'apply' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const plan = planItemEdit(item, d);

  const edit = (x: Partial<ItemDraft>) => {
    setD({ ...d, ...x });
    setPreview(null);
  };
  const fail = (err: unknown) => {
    if (err instanceof ApiError && err.code === 'VERSION_CONFLICT' && err.extra.current) {
      const theirs = normItem(err.extra.current as RubricItemDto); // the 409's `current`: the item as the server holds it
      setItem(theirs);
      setD(draftOf(theirs, lang));
      setPreview(null);
      setError(t('rubricItemConflict'));
    } else setError(errorMessage(err, lang));
  };

  const runPreview = async () => {
    if (!plan.ok) return setError(t(plan.error === 'label' ? 'rubricLabelRequired' : 'rubricPointsInvalid'));
    setError(null);
    setBusy('preview');
    try {
      setPreview({ fields: plan.fields, result: await rubricApi.preview(item.id, plan.fields) });
    } catch (err) {
      fail(err);
    } finally {
      setBusy(null);
    }
  };
  const save = async (fields: ItemFields) => {
    setError(null);
    setBusy('apply');
    try {
      onSaved(await rubricApi.patchItem(item.id, item.version, fields));
    } catch (err) {
      fail(err);
    } finally {
      setBusy(null);
    }
  };

  const p = preview?.result;
  const changing = p ? p.copies.filter((c) => !p.toReopen.some((r) => r.copyId === c.copyId)) : [];
  return (
    <Dialog title={t('rubricPreviewTitle', { label: item.label })} onClose={onClose} labelledBy="item-edit-title">
      <form
        className="rubric-form"
        data-testid="rubric-edit-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (preview) void save(preview.fields);
          else void runPreview();
        }}
      >
        <label>
          {t('rubricItemLabel')}
          <input value={d.label} onChange={(e) => edit({ label: e.target.value })} />
        </label>
        <label>
          {t('rubricItemPoints')}
          <input inputMode="decimal" value={d.points} onChange={(e) => edit({ points: e.target.value })} />
        </label>
        <label>
          {t('rubricItemComment')}
          <input value={d.comment} onChange={(e) => edit({ comment: e.target.value })} />
        </label>
        <label>
          {t('rubricItemGroup')}
          <input value={d.group} onChange={(e) => edit({ group: e.target.value })} />
        </label>
        <p className="muted" data-testid="rubric-usage">
          {item.usage > 0 ? t('rubricInUse', { n: item.usage }) : t('rubricUsage', { n: 0 })}
        </p>
        {busy === 'preview' && <p role="status">{t('rubricPreviewing')}</p>}
        {p && (
          <div className="rubric-preview" data-testid="rubric-preview">
            <p role="status">{changing.length ? t('rubricPreviewCount', { n: changing.length }) : t('rubricPreviewNone')}</p>
            {changing.length > 0 && <PreviewTable rows={changing} lang={lang} />}
            {p.toReopen.length > 0 && (
              <>
                <p className="note">{t('rubricPreviewToReopen')}</p>
                <PreviewTable rows={p.toReopen} lang={lang} testId="rubric-preview-reopen" />
              </>
            )}
            {p.histogram && <PreviewHistograms h={p.histogram} />}
          </div>
        )}
        {error && (
          <p className="note note-error" role="alert">
            {error}
          </p>
        )}
        <div className="row">
          {preview ? (
            <button type="submit" className="primary" disabled={!!busy} data-testid="rubric-apply-edit">
              {t('rubricApplyEdit')}
            </button>
          ) : (
            <button type="submit" className="primary" disabled={!!busy || (plan.ok && Object.keys(plan.fields).length === 0)} data-testid="rubric-preview-edit">
              {t('rubricPreview')}
            </button>
          )}
          <button type="button" onClick={() => void save({ retired: !item.retired })} disabled={!!busy}>
            {item.retired ? t('rubricUnretire') : t('rubricRetire')}
          </button>
          <button type="button" onClick={onClose}>
            {t('cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function PreviewTable({ rows, lang, testId }: { rows: ItemPreview['copies']; lang: 'fr' | 'en'; testId?: string }) {
  const { t } = useI18n();
  const arrow = (a: number | null, b: number | null) => `${formatPoints(a, lang) || '—'} → ${formatPoints(b, lang) || '—'}`;
  return (
    <table className="table" data-testid={testId}>
      <thead>
        <tr>
          <th>{t('rubricPreviewCopy')}</th>
          <th>{t('rubricPreviewQuestion')}</th>
          <th>{t('rubricPreviewTotal')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((c) => (
          <tr key={c.copyId}>
            <td>{c.label}</td>
            <td>{arrow(c.before.question, c.after.question)}</td>
            <td>{arrow(c.before.total, c.after.total)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Creates a rubric item for a question (at the desk, on the fly, or in the Scale tab): label, comment, points, group. */
import { useState } from 'react';
import { errorMessage } from '../../../api/errors';
import { useI18n } from '../../../i18n';
import { parsePoints } from '../../../lib/points';
import { rubricApi } from './rubric-api';
import type { RubricItem } from './rubric-types';

export function ItemForm({ examId, questionId, onDone }: { examId: string; questionId: string; onDone(item: RubricItem | null): void }) {
  const { t, lang } = useI18n();
  const [f, setF] = useState({ label: '', comment: '', points: '', group: '' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    const p = parsePoints(f.points, { signed: true });
    if (!f.label.trim()) return setError(t('rubricLabelRequired'));
    if (!p.ok || p.value === null) return setError(t('rubricPointsInvalid'));
    setBusy(true);
    setError(null);
    try {
      const item = await rubricApi.createItem(examId, { questionId, label: f.label.trim(), comment: f.comment.trim() || undefined, points: p.value, group: f.group.trim() || null });
      onDone(item);
    } catch (err) {
      setError(errorMessage(err, lang));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="rubric-form"
      data-testid="rubric-item-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onDone(null);
        }
      }}
    >
      <label>
        {t('rubricItemLabel')}
        <input autoFocus value={f.label} onChange={(e) => setF({ ...f, label: e.target.value })} />
      </label>
      <label>
        {t('rubricItemPoints')}
        <input inputMode="decimal" value={f.points} onChange={(e) => setF({ ...f, points: e.target.value })} />
      </label>
      <label>
        {t('rubricItemComment')}
        <input value={f.comment} onChange={(e) => setF({ ...f, comment: e.target.value })} />
      </label>
      <label>
        {t('rubricItemGroup')}
        <input value={f.group} onChange={(e) => setF({ ...f, group: e.target.value })} />
      </label>
      {error && <p className="note note-error" role="alert">{error}</p>}
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {t('rubricCreate')}
        </button>
        <button type="button" onClick={() => onDone(null)}>
          {t('cancel')}
        </button>
      </div>
    </form>
  );
}

/** The selected score badge: its value and the question it counts for. */
import { useState } from 'react';
import type { AnnRecord } from '../../annotations/model';
import { useI18n } from '../../i18n';
import { formatDelta, parsePoints } from '../../lib/points';

export function SelectedScoreEditor({ rec, leaves, onChange }: { rec: AnnRecord; leaves: { id: string; label: string }[]; onChange(f: Partial<AnnRecord>): void }) {
  const { t, lang } = useI18n();
  const [text, setText] = useState(formatDelta(rec.scoreDelta, lang));
  const commit = () => {
    const p = parsePoints(text, { signed: true });
    if (p.ok && p.value !== null && p.value !== rec.scoreDelta) onChange({ scoreDelta: p.value });
  };
  return (
    <section className="selected-score" aria-label={t('ann_SCORE')}>
      <label className="inline">
        {t('badgeValue')}
        <input className="small" value={text} onChange={(e) => setText(e.target.value)} onBlur={commit} onKeyDown={(e) => e.key === 'Enter' && commit()} />
      </label>
      <label className="inline">
        {t('badgeQuestion')}
        <select value={rec.questionId ?? ''} onChange={(e) => onChange({ questionId: e.target.value || null })}>
          <option value="">{t('noQuestion')}</option>
          {leaves.map((q) => (
            <option key={q.id} value={q.id}>
              {q.label}
            </option>
          ))}
        </select>
      </label>
    </section>
  );
}

import { useI18n } from '../../i18n';
import { formatPoints } from '../../lib/points';
import { newExercise, type ScaleExercise, toQuestionInputs } from './scale';

/** Exercises → questions → points; the total updates as you type. */
export function ScaleBuilder({ value, onChange }: { value: ScaleExercise[]; onChange(v: ScaleExercise[]): void }) {
  const { t, lang } = useI18n();
  const set = (i: number, ex: ScaleExercise) => onChange(value.map((e, k) => (k === i ? ex : e)));
  const result = toQuestionInputs(value);
  return (
    <fieldset className="scale">
      <legend>{t('scale')}</legend>
      {value.map((ex, i) => (
        <div key={i} className="scale-node">
          <div className="scale-line">
            <label>
              {t('exercise')} {i + 1} — {t('label')}
              <input aria-label={`${t('exercise')} ${i + 1} ${t('label')}`} value={ex.label} onChange={(e) => set(i, { ...ex, label: e.target.value })} />
            </label>
            {ex.questions.length === 0 && (
              <label>
                {t('maxPoints')}
                <input
                  className="small"
                  inputMode="decimal"
                  aria-label={`${t('exercise')} ${i + 1} ${t('maxPoints')}`}
                  value={ex.points}
                  onChange={(e) => set(i, { ...ex, points: e.target.value })}
                />
              </label>
            )}
            <button type="button" onClick={() => onChange(value.filter((_, k) => k !== i))} aria-label={`${t('remove')} ${t('exercise')} ${i + 1}`}>
              {t('remove')}
            </button>
          </div>
          {ex.questions.map((q, j) => (
            <div key={j} className="scale-line" style={{ marginLeft: '1.5rem' }}>
              <label>
                {t('question')} {i + 1}.{j + 1} — {t('label')}
                <input
                  aria-label={`${t('question')} ${i + 1}.${j + 1} ${t('label')}`}
                  value={q.label}
                  onChange={(e) => set(i, { ...ex, questions: ex.questions.map((x, k) => (k === j ? { ...x, label: e.target.value } : x)) })}
                />
              </label>
              <label>
                {t('maxPoints')}
                <input
                  className="small"
                  inputMode="decimal"
                  aria-label={`${t('question')} ${i + 1}.${j + 1} ${t('maxPoints')}`}
                  value={q.points}
                  onChange={(e) => set(i, { ...ex, questions: ex.questions.map((x, k) => (k === j ? { ...x, points: e.target.value } : x)) })}
                />
              </label>
              <button
                type="button"
                aria-label={`${t('remove')} ${t('question')} ${i + 1}.${j + 1}`}
                onClick={() => set(i, { ...ex, questions: ex.questions.filter((_, k) => k !== j) })}
              >
                {t('remove')}
              </button>
            </div>
          ))}
          <button
            type="button"
            style={{ marginLeft: '1.5rem' }}
            aria-label={`${t('addQuestion')} (${t('exercise')} ${i + 1})`}
            onClick={() => set(i, { ...ex, questions: [...ex.questions, { label: `Q${i + 1}.${ex.questions.length + 1}`, points: '' }] })}
          >
            {t('addQuestion')}
          </button>
        </div>
      ))}
      <div className="row">
        <button type="button" onClick={() => onChange([...value, newExercise(value.length + 1)])}>
          {t('addExercise')}
        </button>
        <strong aria-live="polite">{t('scaleTotal', { total: result.ok ? formatPoints(result.total, lang) : '—' })}</strong>
      </div>
    </fieldset>
  );
}

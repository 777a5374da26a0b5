/**
 * One points field per leaf question, clamped to its max; live subtotal per exercise and total. Confirmed on Enter
 * (which moves on only when the points are valid) or leaving the field.
 */
import type { Score } from '@korrigo/contracts';
import { useI18n } from '../../i18n';
import { formatPoints } from '../../lib/points';
import { type ScaleRow, type ScoreInput, type ScoreNote, showsSaved } from './scores';

interface Props {
  rows: ScaleRow[];
  saved: Record<string, Score | undefined>;
  inputs: Record<string, ScoreInput | undefined>;
  notes: Record<string, ScoreNote | undefined>;
  /** questions left explicitly "not scored" when the copy was submitted or finalized */
  notScored: string[];
  readOnly: boolean;
  total: number;
  /** exercise id → live subtotal */
  subtotals: Record<string, number>;
  maxTotal: number;
  onInput(qid: string, field: keyof ScoreInput, value: string): void;
  /** false when the points are invalid */
  onCommit(qid: string): boolean;
}

export function ScoringPanel({ rows, saved, inputs, notes, notScored, readOnly, total, subtotals, maxTotal, onInput, onCommit }: Props) {
  const { t, lang } = useI18n();
  return (
    <section className="scoring" aria-label={t('scoring')}>
      <h2>{t('scoring')}</h2>
      {rows.map((q) =>
        q.isLeaf ? (
          <div key={q.id} className="score-row" style={{ paddingLeft: q.depth * 12 }}>
            <label className="score-label">
              <span>{q.label}</span>
              <span className="score-input">
                <input
                  inputMode="decimal"
                  aria-label={t('pointsFor', { label: q.label })}
                  value={inputs[q.id]?.points ?? ''}
                  placeholder={notScored.includes(q.id) && !saved[q.id] ? t('notScored') : undefined}
                  readOnly={readOnly}
                  aria-invalid={notes[q.id]?.error ? true : undefined}
                  aria-describedby={notes[q.id] ? `note-${q.id}` : undefined}
                  onChange={(e) => onInput(q.id, 'points', e.target.value)}
                  onBlur={() => onCommit(q.id)}
                  onKeyDown={(e) => {
                    if (e.key !== 'Enter') return;
                    e.preventDefault();
                    // Ctrl+Enter (Finish) confirms and lets the desk go on; invalid points keep the focus here
                    if (onCommit(q.id) && !e.ctrlKey && !e.metaKey) focusNext(e.currentTarget);
                  }}
                />
                <span className="muted"> / {formatPoints(q.maxPoints, lang)}</span>
                {showsSaved(inputs[q.id], saved[q.id]) && (
                  <span className="ok" title={t('saved')} data-testid={`saved-${q.id}`} aria-hidden>
                    ✓
                  </span>
                )}
              </span>
            </label>
            <input
              className="score-comment"
              aria-label={t('commentFor', { label: q.label })}
              placeholder={t('comment')}
              value={inputs[q.id]?.comment ?? ''}
              readOnly={readOnly}
              onChange={(e) => onInput(q.id, 'comment', e.target.value)}
              onBlur={() => onCommit(q.id)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  onCommit(q.id);
                }
              }}
            />
            {notes[q.id] && (
              <div className={notes[q.id]!.error ? 'note note-error' : 'note'} role="status" id={`note-${q.id}`}>
                {notes[q.id]!.text}
              </div>
            )}
          </div>
        ) : (
          <div key={q.id} className="score-exercise" style={{ paddingLeft: q.depth * 12 }}>
            {q.label}{' '}
            <span className="subtotal" data-testid={`subtotal-${q.id}`}>
              {formatPoints(subtotals[q.id] ?? 0, lang)} <span className="muted">/ {formatPoints(q.maxPoints, lang)}</span>
            </span>
          </div>
        ),
      )}
      <div className="score-total" aria-live="polite" data-testid="total">
        {t('total')} <strong>{formatPoints(total, lang)}</strong> / {formatPoints(maxTotal, lang)}
      </div>
    </section>
  );
}

/** Enter moves on to the next question's points; after the last one, back to the page (shortcuts work again). */
function focusNext(input: HTMLInputElement) {
  const all = [...document.querySelectorAll<HTMLInputElement>('.scoring .score-input input')];
  const next = all[all.indexOf(input) + 1];
  if (next) next.focus();
  else input.blur();
}

/**
 * The rubric of one question at the desk: its scoring mode, its items with their keys (1–9, 0), the score they
 * give (with the clamping said), the manual adjustment, a refused write to send again, a new item made on the fly.
 */
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../../../i18n';
import { formatDelta, formatPoints, parsePoints } from '../../../lib/points';
import type { ScaleRow } from '../scores';
import { ItemForm } from './ItemForm';
import { keyOfIndex } from './rubric-keys';
import { computeScore, isApplied } from './rubric-score';
import type { RubricItem } from './rubric-types';
import type { DeskRubric } from './useRubric';

interface Props {
  rubric: DeskRubric;
  examId: string;
  question: ScaleRow;
  /** leaf questions to choose from (none in question mode) */
  leaves: ScaleRow[] | null;
  setQuestion(qid: string): void;
  editable: boolean;
  /** the I key asks for the new-item form; the A key for the adjustment */
  focusRequest: { what: 'newItem' | 'adjust'; n: number } | null;
  editItem(item: RubricItem): void;
}

export function RubricPanel({ rubric, examId, question, leaves, setQuestion, editable, focusRequest, editItem }: Props) {
  const { t, lang } = useI18n();
  const qid = question.id;
  const items = rubric.itemsOf(qid);
  const want = rubric.shown(qid);
  const mode = rubric.modeOf(qid);
  const saved = rubric.saved[qid];
  const computed = computeScore(mode, question.maxPoints, rubric.items, want);
  const pending = rubric.status.pending > 0;
  // the server's score when it holds one and nothing waits; else what the items give (nothing applied, nothing saved: none)
  const touched = pending || want.applied.length > 0 || !!want.adjustment;
  const shownScore = mode === 'FREE' ? (saved?.points ?? null) : !pending && saved && saved.points !== null ? saved.points : touched ? computed.points : null;
  const [adjText, setAdjText] = useState(want.adjustment ? formatPoints(want.adjustment, lang) : '');
  const [adjError, setAdjError] = useState(false);
  const [creating, setCreating] = useState(false);
  const adjRef = useRef<HTMLInputElement>(null);
  const failure = rubric.failures[qid];

  useEffect(() => setAdjText(want.adjustment ? formatPoints(want.adjustment, lang) : ''), [qid, want.adjustment, lang]);
  useEffect(() => {
    if (!focusRequest || !editable) return;
    if (focusRequest.what === 'adjust') adjRef.current?.focus();
    else setCreating(true);
  }, [focusRequest, editable]);

  const commitAdj = () => {
    const p = parsePoints(adjText, { signed: true });
    if (!p.ok) return setAdjError(true);
    setAdjError(false);
    if ((p.value ?? 0) !== (want.adjustment ?? 0)) rubric.setAdjustment(qid, p.value);
  };
  const nameOf = (id: string) => rubric.items.find((i) => i.id === id)?.label ?? '?';

  return (
    <section className="rubric" aria-label={t('rubricOf', { label: question.label })} data-testid="rubric-panel">
      <h2>{t('rubricOf', { label: question.label })}</h2>
      {leaves && leaves.length > 1 && (
        <label className="rubric-question">
          {t('rubricQuestion')}{' '}
          <select value={qid} onChange={(e) => setQuestion(e.target.value)}>
            {leaves.map((l) => (
              <option key={l.id} value={l.id}>
                {l.label}
              </option>
            ))}
          </select>
        </label>
      )}
      <p className="muted rubric-mode" data-testid="rubric-mode">
        {t('scoringMode')}: <strong>{t(`mode_${mode}`)}</strong>
      </p>
      {mode === 'FREE' && items.length > 0 && <p className="note">{t('rubricFreeNote')}</p>}
      {items.length === 0 ? (
        <p className="muted">{t('rubricNoItems')}</p>
      ) : (
        <ol className="rubric-items">
          {items.map((it, i) => {
            const on = isApplied(want, it.id);
            const badge = want.applied.find((a) => a.itemId === it.id && a.pagePosition !== null && a.pagePosition !== undefined);
            const key = keyOfIndex(i);
            return (
              <li key={it.id} className={on ? 'rubric-item on' : 'rubric-item'}>
                <button type="button" aria-pressed={on} disabled={!editable} onClick={() => rubric.toggle(qid, it)} data-testid={`rubric-item-${i}`} title={it.comment ?? undefined}>
                  {key && <kbd>{key}</kbd>} <span className="rubric-label">{it.label}</span> <span className="rubric-points">{formatDelta(it.points, lang)}</span>
                  {it.group && <span className="muted"> · {it.group}</span>}
                  {badge && <span className="muted"> · {t('rubricBadgePlaced', { page: (badge.pagePosition ?? 0) + 1 })}</span>}
                </button>
                <span className="rubric-usage muted">{t('rubricUsage', { n: it.usage })}</span>
                <button type="button" className="link" onClick={() => editItem(it)} aria-label={`${t('rubricEditItem')} ${it.label}`}>
                  {t('rubricEditItem')}
                </button>
              </li>
            );
          })}
        </ol>
      )}
      {rubric.armed && rubric.armed.qid === qid && (
        <p className="note" role="status" data-testid="rubric-place-hint">
          {t('rubricPlaceHint', { label: nameOf(rubric.armed.itemId) })}
        </p>
      )}
      <div className="rubric-score" data-testid="rubric-score">
        {t('rubricScore')}:{' '}
        <strong>{formatPoints(shownScore, lang) || '—'}</strong> /{' '}
        {formatPoints(question.maxPoints, lang)}
        {pending && <span className="muted"> · {t('rubricSaving')}</span>}
      </div>
      {computed.clamped && <p className="note">{t('rubricClamped', { max: formatPoints(question.maxPoints, lang), raw: formatPoints(computed.raw, lang) })}</p>}
      {mode !== 'FREE' && (
        <label className="rubric-adjust">
          {t('rubricAdjustment')}{' '}
          <input
            ref={adjRef}
            inputMode="decimal"
            value={adjText}
            readOnly={!editable}
            aria-invalid={adjError || undefined}
            title={t('rubricAdjustmentHelp')}
            onChange={(e) => setAdjText(e.target.value)}
            onBlur={commitAdj}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === 'Escape') {
                e.preventDefault();
                commitAdj();
                e.currentTarget.blur();
              }
            }}
          />
        </label>
      )}
      {adjError && <p className="note note-error">{t('rubricPointsInvalid')}</p>}
      {rubric.changedElsewhere === qid && <p className="note">{t('rubricChangedElsewhere')}</p>}
      {failure && (
        <div className="note note-error" role="alert" data-testid="rubric-failure">
          {t('rubricNotSaved', { error: failure.message, items: failure.want.applied.map((a) => nameOf(a.itemId)).join(', ') || t('rubricNothingApplied') })}{' '}
          <button type="button" onClick={() => rubric.resend(qid)}>
            {t('rubricResend')}
          </button>{' '}
          <button type="button" className="link" onClick={() => rubric.dismiss(qid)}>
            {t('rubricDismiss')}
          </button>
        </div>
      )}
      {creating ? (
        <ItemForm
          examId={examId}
          questionId={qid}
          onDone={(it) => {
            setCreating(false);
            if (it) rubric.upsertItem(it);
          }}
        />
      ) : (
        <button type="button" onClick={() => setCreating(true)} data-testid="rubric-new-item">
          {t('rubricNewItem')}
        </button>
      )}
    </section>
  );
}

/**
 * Where each question is answered: on a sample copy (the exam's first), choose a question, then drag a box on a
 * page; it is saved as the question's region (page + box, fractions of the page). "Whole copy" removes it.
 */
import { useRef, useState } from 'react';
import type { Exam } from '@korrigo/contracts';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { useAsync } from '../../lib/useAsync';
import { rectFromDrag, type Pt } from '../../annotations/model';
import { ErrorBox } from '../common/ui';
import { scaleRows } from '../grading/scores';
import { rubricApi } from '../grading/rubric/rubric-api';
import type { QuestionSettings } from '../grading/rubric/rubric-types';

export function RegionEditor({ exam, settings, onSaved }: { exam: Exam; settings: Record<string, QuestionSettings>; onSaved(): void }) {
  const { t } = useI18n();
  const copies = useAsync(() => api.listCopies(exam.id), [exam.id]);
  const sample = (copies.data ?? []).find((c) => c.status !== 'MERGED' && c.status !== 'STAGING') ?? (copies.data ?? [])[0];
  const leaves = scaleRows(exam.questions).filter((q) => q.isLeaf);
  const [qid, setQid] = useState(leaves[0]?.id ?? '');
  const [pos, setPos] = useState(0);
  const [drag, setDrag] = useState<{ a: Pt; b: Pt } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const imgRef = useRef<HTMLDivElement>(null);
  const pages = sample?.pageCount ?? exam.pagesPerCopy;

  const at = (e: { clientX: number; clientY: number }): Pt => {
    const b = imgRef.current!.getBoundingClientRect();
    return [(e.clientX - b.left) / b.width, (e.clientY - b.top) / b.height];
  };
  const save = async (region: QuestionSettings['region']) => {
    setError(null);
    try {
      await rubricApi.setRegion(exam.id, qid, region);
      onSaved();
    } catch (err) {
      setError(err);
    }
  };
  const label = (id: string) => leaves.find((l) => l.id === id)?.label ?? '';
  const live = drag ? rectFromDrag(drag.a, drag.b) : null;

  return (
    <fieldset data-testid="region-editor">
      <legend>{t('regionsTitle')}</legend>
      <p className="muted">{t('regionsIntro')}</p>
      <ul>
        {leaves.map((q) => {
          const r = settings[q.id]?.region;
          return (
            <li key={q.id}>
              {t('regionOf', { label: q.label })}: {r ? t('regionOnPage', { page: r.pagePosition + 1 }) : t('regionWhole')}
            </li>
          );
        })}
      </ul>
      <ErrorBox error={copies.error ?? error} />
      {!sample ? (
        <p className="muted">{t('regionNoCopy')}</p>
      ) : (
        <>
          <div className="row">
            <label>
              {t('rubricQuestion')}{' '}
              <select value={qid} onChange={(e) => setQid(e.target.value)}>
                {leaves.map((l) => (
                  <option key={l.id} value={l.id}>
                    {l.label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('regionSampleCopy')} {sample.anonymousCode} ·{' '}
              <select value={pos} onChange={(e) => setPos(Number(e.target.value))} aria-label={t('regionSampleCopy')}>
                {Array.from({ length: pages }, (_, i) => (
                  <option key={i} value={i}>
                    {t('regionOnPage', { page: i + 1 })}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" onClick={() => void save(null)}>
              {t('regionClear')}
            </button>
          </div>
          <p className="muted">{t('regionDrawFor', { label: label(qid) })}</p>
          <div
            className="region-editor"
            ref={imgRef}
            data-testid="region-canvas"
            onPointerDown={(e) => {
              if (e.button !== 0) return;
              e.preventDefault();
              e.currentTarget.setPointerCapture?.(e.pointerId);
              const p = at(e);
              setDrag({ a: p, b: p });
            }}
            onPointerMove={(e) => drag && setDrag({ a: drag.a, b: at(e) })}
            onPointerUp={(e) => {
              if (!drag) return;
              const r = rectFromDrag(drag.a, at(e));
              setDrag(null);
              if (r.w > 0.02 && r.h > 0.02) void save({ pagePosition: pos, ...r });
            }}
          >
            <img src={api.pageImageUrl(sample.id, pos)} alt={t('regionSampleCopy')} draggable={false} />
            {leaves.map((q) => {
              const r = settings[q.id]?.region;
              if (!r || r.pagePosition !== pos) return null;
              return (
                <div key={q.id} className="region-box" style={{ left: `${r.x * 100}%`, top: `${r.y * 100}%`, width: `${r.w * 100}%`, height: `${r.h * 100}%` }}>
                  <span>{q.label}</span>
                </div>
              );
            })}
            {live && <div className="region-box" style={{ left: `${live.x * 100}%`, top: `${live.y * 100}%`, width: `${live.w * 100}%`, height: `${live.h * 100}%` }} />}
          </div>
        </>
      )}
    </fieldset>
  );
}

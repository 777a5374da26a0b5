/**
 * The scan review (admin): an upload's copies as rows of page thumbnails, flags to filter on, and the repairs a
 * badly scanned stack needs — drag a page onto another place, or with the keyboard on a page: R / Shift+R rotate,
 * Alt+←/→ reorder, Alt+↑/↓ move to the previous/next copy, S split before the page, Delete remove to the bin,
 * Enter enlarge; Ctrl+Z undoes. Then validate. Copies that cannot change any more are shown read-only.
 */
import type { Exam, ReviewCopy, ReviewPage } from '@korrigo/contracts';
import { type DragEvent, type KeyboardEvent, useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import { errorMessage } from '../../api/errors';
import { type Key, useI18n } from '../../i18n';
import { Link } from '../../lib/router';
import { useAsync } from '../../lib/useAsync';
import { Dialog, ErrorBox, Loading, StatusBadge } from '../common/ui';
import { perform, type ReviewOp } from './scan-review-ops';

const FILTERS = ['INCOMPLETE', 'TOO_LONG', 'UNIDENTIFIED', 'BLANK', 'ROTATED'] as const;
type Filter = (typeof FILTERS)[number];

interface Focus {
  copyId: string;
  position: number;
}

export function ScanReview({ exam, uploadId, onChanged }: { exam: Exam; uploadId: string; onChanged(): void }) {
  const { t, lang } = useI18n();
  const review = useAsync(() => api.uploadReview(uploadId), [uploadId]);
  const [undo, setUndo] = useState<ReviewOp[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [said, setSaid] = useState('');
  const [filters, setFilters] = useState<Set<Filter>>(new Set());
  const [focus, setFocus] = useState<Focus | null>(null);
  const [preview, setPreview] = useState<ReviewPage | null>(null);
  const thumbs = useRef(new Map<string, HTMLButtonElement>());

  const data = review.data;

  const run = useCallback(
    async (op: ReviewOp, { isUndo = false } = {}) => {
      if (!data || busy) return;
      setBusy(true);
      setError(null);
      try {
        const inverse = await perform(op, data, exam.id);
        if (!isUndo && inverse) setUndo((u) => [...u, inverse]);
        setSaid(t(isUndo ? 'reviewUndone' : (`reviewDid_${op.kind}` as Key)));
        onChanged();
      } catch (err) {
        setError(err);
      } finally {
        setBusy(false);
        review.reload();
      }
    },
    [data, busy, exam.id],
  );

  const undoLast = useCallback(() => {
    const op = undo[undo.length - 1];
    if (!op) return;
    setUndo((u) => u.slice(0, -1));
    void run(op, { isUndo: true });
  }, [undo, run]);

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        undoLast();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [undoLast]);

  // keep the keyboard focus on the page that was acted on, wherever it went
  useEffect(() => {
    if (focus) thumbs.current.get(`${focus.copyId}:${focus.position}`)?.focus();
  }, [data, focus]);

  if (review.error && !data) return <ErrorBox error={review.error} onRetry={review.reload} />;
  if (!data) return <Loading />;

  const copies = data.copies;
  const visible = filters.size === 0 ? copies : copies.filter((c) => hasFlag(c, filters));
  const staging = copies.filter((c) => c.status === 'STAGING');

  function pageKeys(e: KeyboardEvent, copy: ReviewCopy, page: ReviewPage) {
    const pos = page.position!;
    const index = copies.indexOf(copy);
    const go = (f: Focus) => {
      e.preventDefault();
      setFocus(f);
    };
    if (e.key === 'Enter') return (e.preventDefault(), setPreview(page));
    if (e.altKey && e.key === 'ArrowLeft' && pos > 0) return (go({ copyId: copy.id, position: pos - 1 }), run({ kind: 'move', copyId: copy.id, position: pos, toCopyId: copy.id, toPosition: pos - 1 }));
    if (e.altKey && e.key === 'ArrowRight' && pos < copy.pages.length - 1)
      return (go({ copyId: copy.id, position: pos + 1 }), run({ kind: 'move', copyId: copy.id, position: pos, toCopyId: copy.id, toPosition: pos + 1 }));
    if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
      const target = copies[index + (e.key === 'ArrowUp' ? -1 : 1)];
      if (!target) return;
      return (go({ copyId: target.id, position: target.pages.length }), run({ kind: 'move', copyId: copy.id, position: pos, toCopyId: target.id, toPosition: target.pages.length }));
    }
    if (e.key === 'ArrowLeft') return go({ copyId: copy.id, position: Math.max(0, pos - 1) });
    if (e.key === 'ArrowRight') return go({ copyId: copy.id, position: Math.min(copy.pages.length - 1, pos + 1) });
    if (e.key === 'r' || e.key === 'R') return (go({ copyId: copy.id, position: pos }), run({ kind: 'rotate', copyId: copy.id, position: pos, by: e.shiftKey ? 270 : 90 }));
    if ((e.key === 's' || e.key === 'S') && pos > 0) return (go({ copyId: copy.id, position: 0 }), run({ kind: 'split', copyId: copy.id, atPosition: pos }));
    if (e.key === 'Delete' || e.key === 'Backspace') return (go({ copyId: copy.id, position: Math.max(0, pos - 1) }), run({ kind: 'remove', copyId: copy.id, position: pos }));
  }

  function dropOn(e: DragEvent, copy: ReviewCopy, position: number) {
    e.preventDefault();
    e.stopPropagation();
    const from = parseDrag(e.dataTransfer.getData('text/plain'));
    if (!from || !copy.editable) return;
    if (from.copyId === copy.id && from.position === position) return;
    setFocus({ copyId: copy.id, position: Math.min(position, copy.pages.length - (from.copyId === copy.id ? 1 : 0)) });
    void run({ kind: 'move', copyId: from.copyId, position: from.position, toCopyId: copy.id, toPosition: position });
  }

  async function validate(ids: string[]) {
    setBusy(true);
    setError(null);
    try {
      for (const id of ids) await api.validate(id);
      setSaid(t('reviewValidated', { n: ids.length }));
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      review.reload();
    }
  }

  return (
    <section className="scan-review" aria-label={t('reviewTitle')}>
      <p>
        <Link to={`/exams/${exam.id}/scans`}>← {t('tabScans')}</Link>
      </p>
      <h2>{t('reviewTitle')}</h2>
      <p className="muted">{t('reviewHelp')}</p>
      <div className="row" role="group" aria-label={t('reviewFilters')}>
        {FILTERS.map((f) => (
          <label key={f} className="chip">
            <input
              type="checkbox"
              checked={filters.has(f)}
              onChange={() =>
                setFilters((s) => {
                  const n = new Set(s);
                  if (n.has(f)) n.delete(f);
                  else n.add(f);
                  return n;
                })
              }
            />{' '}
            {t(`flag_${f}` as Key)} ({countFlag(copies, f)})
          </label>
        ))}
        <button type="button" onClick={undoLast} disabled={undo.length === 0 || busy} title="Ctrl+Z">
          {t('undo')}
        </button>
        <button type="button" className="primary" disabled={staging.length === 0 || busy} onClick={() => validate(staging.map((c) => c.id))}>
          {t('reviewValidateAll', { n: staging.length })}
        </button>
      </div>
      <div role="status" aria-live="polite" className="muted">
        {busy ? t('saving') : said}
      </div>
      {error ? <div className="error" role="alert">{errorMessage(error, lang)}</div> : null}
      {visible.map((copy) => (
        <div
          key={copy.id}
          className={copy.editable ? 'review-row' : 'review-row readonly'}
          role="group"
          aria-label={t('reviewCopy', { code: copy.anonymousCode })}
          data-testid="review-copy"
          onDragOver={(e) => copy.editable && e.preventDefault()}
          onDrop={(e) => dropOn(e, copy, copy.pages.length)}
        >
          <div className="review-head">
            <strong>{copy.anonymousCode}</strong> <StatusBadge status={copy.status} />{' '}
            {copy.student ? `${copy.student.lastName} ${copy.student.firstName}` : null}{' '}
            {copy.flags.map((f) => (
              <span key={f} className="badge warn">
                {t(`flag_${f}` as Key)}
              </span>
            ))}
            {!copy.editable && <span className="muted"> {t(copy.rotatable ? 'reviewRotateOnly' : 'reviewReadOnly')}</span>}
            {copy.status === 'STAGING' && (
              <button type="button" disabled={busy} onClick={() => validate([copy.id])} aria-label={`${t('validate')} ${copy.anonymousCode}`}>
                {t('validate')}
              </button>
            )}
          </div>
          <div className="review-pages">
            {copy.pages.map((page) => (
              <button
                type="button"
                key={page.id}
                ref={(el) => {
                  const k = `${copy.id}:${page.position}`;
                  if (el) thumbs.current.set(k, el);
                  else thumbs.current.delete(k);
                }}
                className={page.flags.length ? 'review-thumb flagged' : 'review-thumb'}
                aria-label={t('reviewPage', { code: copy.anonymousCode, n: page.position! + 1 })}
                data-rotation={page.rotation}
                data-source-page={page.sourcePage}
                draggable={copy.editable}
                onDragStart={(e) => e.dataTransfer.setData('text/plain', JSON.stringify({ copyId: copy.id, position: page.position }))}
                onDragOver={(e) => copy.editable && e.preventDefault()}
                onDrop={(e) => dropOn(e, copy, page.position!)}
                onFocus={() => setFocus({ copyId: copy.id, position: page.position! })}
                onKeyDown={(e) => pageKeys(e, copy, page)}
                onDoubleClick={() => setPreview(page)}
              >
                <img src={page.imageUrl} alt="" loading="lazy" draggable={false} />
                <span className="review-num">
                  {page.position! + 1}
                  {page.flags.map((f) => (
                    <span key={f} className="badge warn">
                      {t(`flag_${f}` as Key)}
                    </span>
                  ))}
                </span>
              </button>
            ))}
          </div>
        </div>
      ))}
      <h3>{t('reviewBin')}</h3>
      {data.bin.length === 0 ? (
        <p className="muted">{t('reviewBinEmpty')}</p>
      ) : (
        <div className="review-pages" aria-label={t('reviewBin')} role="group">
          {data.bin.map((page) => {
            const home = copies.find((c) => c.id === page.removedFromCopyId && c.editable) ?? copies.find((c) => c.editable);
            return (
              <div key={page.id} className="review-thumb">
                <img src={page.imageUrl} alt={t('reviewScanPage', { n: page.sourcePage + 1 })} loading="lazy" />
                <button
                  type="button"
                  disabled={!home || busy}
                  onClick={() => home && run({ kind: 'restore', uploadId: page.uploadId!, sourcePage: page.sourcePage, toCopyId: home.id, toPosition: home.pages.length })}
                >
                  {t('reviewRestore', { code: home?.anonymousCode ?? '' })}
                </button>
              </div>
            );
          })}
        </div>
      )}
      {preview && (
        <Dialog title={t('reviewScanPage', { n: preview.sourcePage + 1 })} onClose={() => setPreview(null)}>
          <img className="review-large" src={preview.imageUrl} alt={t('reviewScanPage', { n: preview.sourcePage + 1 })} />
        </Dialog>
      )}
    </section>
  );
}

function hasFlag(c: ReviewCopy, filters: Set<Filter>) {
  return c.flags.some((f) => filters.has(f)) || c.pages.some((p) => p.flags.some((f) => filters.has(f)));
}

function countFlag(copies: ReviewCopy[], f: Filter) {
  return copies.filter((c) => hasFlag(c, new Set([f]))).length;
}

function parseDrag(s: string): Focus | null {
  try {
    const v = JSON.parse(s) as Focus;
    return typeof v.copyId === 'string' && Number.isInteger(v.position) ? v : null;
  } catch {
    return null;
  }
}

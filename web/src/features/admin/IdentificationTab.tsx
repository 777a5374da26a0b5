/**
 * Identification desk: the header crop large, a search box focused, Enter confirms and moves to the next copy.
 * A mistake is undone at once ("Undo" after each identification) or later from the list of identified copies.
 */
import { useEffect, useRef, useState } from 'react';
import { api, type IdentificationList, type Student } from '../../api/client';
import { ApiError } from '../../api/errors';
import { useI18n } from '../../i18n';
import { useAsync } from '../../lib/useAsync';
import { ErrorBox, Loading } from '../common/ui';
import type { TabProps } from './ExamPage';
import { AttendancePanel } from './AttendanceTab';

type Item = IdentificationList['items'][number];
/** the top band of page 1, where students write their name (the server says which band; this is its default) */
const DEFAULT_CROP = { x: 0, y: 0, w: 1, h: 0.25 };
/** A4 portrait: width / height */
const PAGE_ASPECT = 210 / 297;

async function loadQueue(examId: string): Promise<{ items: Item[]; crop: typeof DEFAULT_CROP }> {
  try {
    const r = await api.identificationQueue(examId);
    return { items: r.items, crop: r.headerCrop ?? DEFAULT_CROP };
  } catch (err) {
    if (!(err instanceof ApiError && err.isMissingRoute)) throw err;
    const list = await api.listCopies(examId);
    return {
      items: list
        .filter((c) => !c.student && c.status !== 'MERGED')
        .map((c) => ({ id: c.id, anonymousCode: c.anonymousCode, status: c.status, pageCount: c.pageCount, headerImageUrl: null, student: null })),
      crop: DEFAULT_CROP,
    };
  }
}

const label = (s: Pick<Student, 'lastName' | 'firstName' | 'studentNumber' | 'className'>) => `${s.lastName} ${s.firstName} · ${s.studentNumber}${s.className ? ` · ${s.className}` : ''}`;

export function IdentificationTab({ exam, reload }: TabProps) {
  const { t } = useI18n();
  const copies = useAsync(() => loadQueue(exam.id), [exam.id]);
  const [done, setDone] = useState<Set<string>>(new Set());
  const [skipped, setSkipped] = useState<string[]>([]);
  /** a copy just un-identified: shown next, whatever its place in the queue */
  const [front, setFront] = useState<string | null>(null);
  const [q, setQ] = useState('');
  const [results, setResults] = useState<Student[]>([]);
  const [active, setActive] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<{ text: string; copyId: string } | null>(null);
  const identified = useAsync(() => api.identificationQueue(exam.id, 'identified'), [exam.id]);
  const inputRef = useRef<HTMLInputElement>(null);

  const todo = (copies.data?.items ?? []).filter((c) => !c.student && c.status !== 'MERGED' && !done.has(c.id));
  const crop = copies.data?.crop ?? DEFAULT_CROP;
  const ordered = [
    ...todo.filter((c) => c.id === front),
    ...todo.filter((c) => c.id !== front && !skipped.includes(c.id)),
    ...todo.filter((c) => c.id !== front && skipped.includes(c.id)),
  ];
  const current = ordered[0] ?? null;

  // type-ahead: a short pause, and only the latest answer counts
  useEffect(() => {
    if (!q.trim()) {
      setResults([]);
      return;
    }
    const ctl = new AbortController();
    const id = setTimeout(() => {
      api.searchStudents(q.trim(), ctl.signal, exam.id).then(
        (r) => {
          setResults(r);
          setActive(0);
        },
        (err) => (err as Error).name !== 'AbortError' && setError(err),
      );
    }, 150);
    return () => {
      clearTimeout(id);
      ctl.abort();
    };
  }, [q, exam.id]);

  useEffect(() => inputRef.current?.focus(), [current?.id]);

  async function confirm(s: Student | undefined) {
    if (!current || !s) return;
    setError(null);
    try {
      await api.identify(current.id, s.id);
      setDone((d) => new Set(d).add(current.id));
      setMessage({ text: t('identified', { name: `${s.lastName} ${s.firstName}` }), copyId: current.id });
      setQ('');
      setResults([]);
      identified.reload();
      reload();
    } catch (err) {
      setError(err);
    }
  }

  /** Back to the queue: the copy is unidentified again and comes first. */
  async function unidentify(copyId: string, code: string) {
    setError(null);
    try {
      await api.unidentify(copyId);
      setDone((d) => {
        const n = new Set(d);
        n.delete(copyId);
        return n;
      });
      setSkipped((sk) => sk.filter((x) => x !== copyId));
      setFront(copyId);
      setMessage({ text: t('unidentified', { code }), copyId: '' });
      copies.reload();
      identified.reload();
      reload();
    } catch (err) {
      setError(err);
    }
  }

  if (copies.error && !copies.data) return <ErrorBox error={copies.error} onRetry={copies.reload} />;
  if (!copies.data) return <Loading />;
  return (
    <section>
      <p className="muted">{t('identifyIntro')}</p>
      <p role="status">
        {message?.text}{' '}
        {message?.copyId && (
          <button
            type="button"
            className="link"
            onClick={() => void unidentify(message.copyId, (copies.data?.items ?? []).find((c) => c.id === message.copyId)?.anonymousCode ?? '')}
          >
            {t('undo')}
          </button>
        )}
      </p>
      {!current ? (
        <>
          <p>{t('noUnidentified')}</p>
          <ErrorBox error={error} />
        </>
      ) : (
        <div className="id-desk">
          <figure style={{ margin: 0 }}>
            <div className="header-crop" style={{ aspectRatio: `${(crop.w * PAGE_ASPECT) / crop.h}` }}>
              <img
                src={current.headerImageUrl ?? api.pageImageUrl(current.id, 0)}
                alt={t('copyHeader', { code: current.anonymousCode })}
                style={{ width: `${100 / crop.w}%`, marginLeft: `${(-100 * crop.x) / crop.w}%`, transform: `translateY(${-100 * crop.y}%)` }}
              />
            </div>
            <figcaption className="muted">
              {t('copy', { code: current.anonymousCode })} · {t('remaining', { n: ordered.length })}
            </figcaption>
          </figure>
          <div className="stack">
            <label>
              {t('searchStudent')}
              <input
                ref={inputRef}
                role="combobox"
                aria-expanded={results.length > 0}
                aria-controls="student-suggestions"
                aria-activedescendant={results[active] ? `student-${results[active]!.id}` : undefined}
                autoFocus
                value={q}
                onChange={(e) => {
                  setQ(e.target.value);
                  setError(null);
                }}
                onKeyDown={(e) => {
                  if (e.key === 'ArrowDown') {
                    e.preventDefault();
                    setActive((a) => Math.min(results.length - 1, a + 1));
                  } else if (e.key === 'ArrowUp') {
                    e.preventDefault();
                    setActive((a) => Math.max(0, a - 1));
                  } else if (e.key === 'Enter') {
                    e.preventDefault();
                    void confirm(results[active]);
                  }
                }}
              />
            </label>
            {results.length > 0 && (
              <ul id="student-suggestions" role="listbox" className="suggestions" aria-label={t('students')}>
                {results.map((s, i) => (
                  <li key={s.id} id={`student-${s.id}`} role="option" aria-selected={i === active} onMouseDown={(e) => (e.preventDefault(), void confirm(s))}>
                    {label(s)}
                    {s.copyInExam && s.copyInExam.copyId !== current.id && <span className="muted"> — {t('alreadyHasCopy', { code: s.copyInExam.anonymousCode })}</span>}
                  </li>
                ))}
              </ul>
            )}
            {q.trim() && results.length === 0 && <p className="muted">{t('noMatch')}</p>}
            <ErrorBox error={error} />
            <div className="row">
              <button
                type="button"
                onClick={() => {
                  setFront(null);
                  setSkipped((s) => [...s.filter((x) => x !== current.id), current.id]);
                }}
              >
                {t('skip')}
              </button>
            </div>
          </div>
        </div>
      )}
      <IdentifiedList data={identified.data} error={identified.error} onRetry={identified.reload} onUnidentify={unidentify} />
      {/* once the copies are identified, whoever is left without one is marked absent, excused or exempt here */}
      <AttendancePanel examId={exam.id} withoutCopyOnly />
    </section>
  );
}

function IdentifiedList({
  data,
  error,
  onRetry,
  onUnidentify,
}: {
  data: IdentificationList | undefined;
  error: unknown;
  onRetry(): void;
  onUnidentify(copyId: string, code: string): Promise<void>;
}) {
  const { t } = useI18n();
  const items = (data?.items ?? []).filter((c) => c.student && c.status !== 'MERGED');
  return (
    <details className="card">
      <summary>{t('identifiedCopies', { n: data?.counts.identified ?? items.length })}</summary>
      <ErrorBox error={error} onRetry={onRetry} />
      {items.length === 0 ? (
        <p className="muted">{t('noIdentified')}</p>
      ) : (
        <table className="table" aria-label={t('identifiedCopies', { n: items.length })}>
          <thead>
            <tr>
              <th>{t('code')}</th>
              <th>{t('student')}</th>
              <th>{t('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.id}>
                <td>{c.anonymousCode}</td>
                <td>{label(c.student!)}</td>
                <td>
                  <button type="button" aria-label={`${t('unidentify')} ${c.anonymousCode}`} onClick={() => void onUnidentify(c.id, c.anonymousCode)}>
                    {t('unidentify')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}

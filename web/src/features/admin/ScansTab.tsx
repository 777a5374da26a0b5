/**
 * Upload scans (raw PDF bodies): many files at once, picked or dropped, each with its own progress row (bytes sent,
 * then pages processed by the server) and its own error; a refused file never stops the others. Each processed
 * upload opens the scan review (`?review=<uploadId>`).
 */
import { type DragEvent, type FormEvent, useEffect, useRef, useState } from 'react';
import { api, type UploadInfo, uploadPdf } from '../../api/client';
import { type Key, useI18n } from '../../i18n';
import { Link, useLocation } from '../../lib/router';
import { hhmm, shortDate } from '../../lib/time';
import { useAsync } from '../../lib/useAsync';
import { ErrorBox, Loading, ProgressBar } from '../common/ui';
import type { TabProps } from './ExamPage';
import { PrintPapers } from './PrintPapers';
import { ScanReview } from './ScanReview';

/** Files sent side by side: enough to keep the line busy, few enough that each row moves visibly. */
const PARALLEL_UPLOADS = 2;

interface Tracked {
  key: number;
  file: File;
  mode: 'BATCH' | 'SINGLE';
  state: 'queued' | 'sending' | 'sent';
  id: string | null;
  sent: number;
  info: UploadInfo | null;
  error: unknown;
}

let nextKey = 1;

export function ScansTab(props: TabProps) {
  const { query } = useLocation();
  const review = query.get('review');
  if (review) return <ScanReview exam={props.exam} uploadId={review} onChanged={props.reload} />;
  return <UploadPanel {...props} />;
}

function UploadPanel({ exam, reload }: TabProps) {
  const { t, lang } = useI18n();
  const history = useAsync(() => api.listUploads(exam.id), [exam.id]);
  const [mode, setMode] = useState<'BATCH' | 'SINGLE'>('BATCH');
  const [picked, setPicked] = useState<File[]>([]);
  const [uploads, setUploads] = useState<Tracked[]>([]);
  const [over, setOver] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const started = useRef(new Set<number>());

  const patch = (key: number, p: Partial<Tracked>) => setUploads((us) => us.map((u) => (u.key === key ? { ...u, ...p } : u)));

  // the queue: start the next files whenever fewer than PARALLEL_UPLOADS are being sent
  useEffect(() => {
    const free = PARALLEL_UPLOADS - uploads.filter((u) => u.state === 'sending').length;
    for (const u of uploads.filter((x) => x.state === 'queued' && !started.current.has(x.key)).slice(0, Math.max(0, free))) {
      started.current.add(u.key);
      patch(u.key, { state: 'sending' });
      uploadPdf(exam.id, u.mode, u.file, (sent) => patch(u.key, { sent }))
        .then((up) => patch(u.key, { id: up.id, sent: u.file.size, state: 'sent' }))
        .catch((error: unknown) => patch(u.key, { error, state: 'sent' }));
    }
  }, [uploads, exam.id]);

  function submit(e: FormEvent) {
    e.preventDefault();
    if (picked.length === 0) return;
    const rows = picked.map((file): Tracked => ({ key: nextKey++, file, mode, state: 'queued', id: null, sent: 0, info: null, error: null }));
    setUploads((us) => [...us, ...rows]);
    setPicked([]);
    if (inputRef.current) inputRef.current.value = '';
  }

  function drop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    const files = Array.from(e.dataTransfer.files);
    if (files.length) setPicked((p) => [...p, ...files]);
  }

  return (
    <section>
      <form className="card" onSubmit={submit} aria-label={t('uploadScan')}>
        <div
          className={over ? 'dropzone over' : 'dropzone'}
          data-testid="dropzone"
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={drop}
        >
          <label>
            {t('chooseFiles')}
            <input
              ref={inputRef}
              type="file"
              multiple
              accept="application/pdf,.pdf"
              onChange={(e) => setPicked(Array.from(e.target.files ?? []))}
            />
          </label>
          <span className="muted">{t('dropHere')}</span>
        </div>
        {picked.length > 0 && (
          <ul className="picked" aria-label={t('filesToSend')}>
            {picked.map((f, i) => (
              <li key={i}>{f.name}</li>
            ))}
          </ul>
        )}
        <div className="row">
          <label>
            {t('uploadMode')}
            <select value={mode} onChange={(e) => setMode(e.target.value as 'BATCH' | 'SINGLE')}>
              <option value="BATCH">{t('modeBatch', { n: exam.pagesPerCopy })}</option>
              <option value="SINGLE">{t('modeSingle')}</option>
            </select>
          </label>
          <button type="submit" className="primary" disabled={picked.length === 0}>
            {t('upload')}
          </button>
        </div>
      </form>
      {uploads.map((u) => (
        <UploadRow
          key={u.key}
          u={u}
          examId={exam.id}
          onInfo={(info) => patch(u.key, { info })}
          onError={(error) => patch(u.key, { error })}
          onDone={() => {
            reload();
            history.reload();
          }}
        />
      ))}
      <h2>{t('previousUploads')}</h2>
      <ErrorBox error={history.error} onRetry={history.reload} />
      {history.loading && !history.data && <Loading />}
      {history.data && history.data.length === 0 && <p className="muted">{t('noUploads')}</p>}
      {history.data && history.data.length > 0 && (
        <table className="table" aria-label={t('previousUploads')}>
          <thead>
            <tr>
              <th>{t('uploadedAt')}</th>
              <th>{t('uploadMode')}</th>
              <th>{t('status')}</th>
              <th className="num">{t('pages')}</th>
              <th className="num">{t('copiesCount')}</th>
              <th>{t('message')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {history.data.map((u) => (
              <tr key={u.id}>
                <td>
                  {shortDate(u.createdAt, lang)} {hhmm(u.createdAt)}
                </td>
                <td>{u.mode === 'SINGLE' ? t('modeSingle') : t('modeBatch', { n: exam.pagesPerCopy })}</td>
                <td>{t(`upload_${u.status}` as Key)}</td>
                <td className="num">
                  {u.pagesDone}/{u.pageCount}
                </td>
                <td className="num">{u.copyIds.length}</td>
                <td>{u.error}</td>
                <td>{u.status === 'DONE' && <Link to={`/exams/${exam.id}/scans?review=${u.id}`}>{t('reviewScan')}</Link>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <PrintPapers exam={exam} />
    </section>
  );
}

function UploadRow({
  u,
  examId,
  onInfo,
  onError,
  onDone,
}: {
  u: Tracked;
  examId: string;
  onInfo(i: UploadInfo): void;
  onError(e: unknown): void;
  onDone(): void;
}) {
  const { t } = useI18n();
  const cb = useRef({ onInfo, onError, onDone });
  cb.current = { onInfo, onError, onDone };
  useEffect(() => {
    if (!u.id) return;
    let stop = false;
    const id = u.id;
    (async () => {
      for (let errors = 0; !stop; ) {
        try {
          const info = await api.getUpload(id);
          cb.current.onInfo(info);
          if (info.status === 'DONE' || info.status === 'FAILED') {
            cb.current.onDone();
            return;
          }
        } catch (err) {
          if (++errors > 5) return cb.current.onError(err);
        }
        await new Promise((r) => setTimeout(r, 700));
      }
    })();
    return () => {
      stop = true;
    };
  }, [u.id]);

  const info = u.info;
  const size = u.file.size || 1;
  let bar;
  if (u.error) bar = null;
  else if (u.state === 'queued') bar = <ProgressBar value={0} max={1} label={t('uploadQueued')} />;
  else if (!u.id) bar = <ProgressBar value={u.sent} max={size} label={t('uploading', { pct: Math.round((100 * u.sent) / size) })} />;
  else if (!info || info.status === 'PENDING') bar = <ProgressBar value={0} max={1} label={t('uploadPending')} />;
  else if (info.status === 'PROCESSING')
    bar = <ProgressBar value={info.pagesDone ?? 0} max={info.pageCount ?? 1} label={t('processing', { done: info.pagesDone ?? 0, total: info.pageCount ?? '?' })} />;
  else if (info.status === 'DONE')
    bar = (
      <>
        <ProgressBar value={1} max={1} label={t('uploadDone', { pages: info.pageCount ?? 0, copies: info.copyIds?.length ?? 0 })} />
        <Link to={`/exams/${examId}/scans?review=${info.id}`}>{t('reviewScan')}</Link>
      </>
    );
  else bar = <div className="error" role="alert">{t('uploadFailed', { error: info.error ?? '' })}</div>;
  return (
    <div className="card" data-testid="upload" aria-label={u.file.name}>
      <strong>{u.file.name}</strong>
      {bar}
      <ErrorBox error={u.error} />
    </div>
  );
}

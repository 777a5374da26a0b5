/** Upload a scan (raw PDF body) with a real progress bar: bytes sent, then pages processed by the server. */
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api, type UploadInfo, uploadPdf } from '../../api/client';
import { type Key, useI18n } from '../../i18n';
import { hhmm, shortDate } from '../../lib/time';
import { useAsync } from '../../lib/useAsync';
import { ErrorBox, Loading, ProgressBar } from '../common/ui';
import type { TabProps } from './ExamPage';

interface Tracked {
  id: string | null;
  name: string;
  sent: number;
  size: number;
  info: UploadInfo | null;
  error: unknown;
}

export function ScansTab({ exam, reload }: TabProps) {
  const { t, lang } = useI18n();
  const history = useAsync(() => api.listUploads(exam.id), [exam.id]);
  const [mode, setMode] = useState<'BATCH' | 'SINGLE'>('BATCH');
  const [file, setFile] = useState<File | null>(null);
  const [uploads, setUploads] = useState<Tracked[]>([]);
  const inputRef = useRef<HTMLInputElement>(null);

  const patch = (i: number, p: Partial<Tracked>) => setUploads((us) => us.map((u, k) => (k === i ? { ...u, ...p } : u)));

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file) return;
    const i = uploads.length;
    setUploads((us) => [...us, { id: null, name: file.name, sent: 0, size: file.size, info: null, error: null }]);
    setFile(null);
    if (inputRef.current) inputRef.current.value = '';
    try {
      const up = await uploadPdf(exam.id, mode, file, (sent, size) => patch(i, { sent, size }));
      patch(i, { id: up.id, sent: file.size });
    } catch (err) {
      patch(i, { error: err });
    }
  }

  return (
    <section>
      <form className="card row" onSubmit={submit} aria-label={t('uploadScan')}>
        <label>
          {t('chooseFile')}
          <input ref={inputRef} type="file" accept="application/pdf,.pdf" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <label>
          {t('uploadMode')}
          <select value={mode} onChange={(e) => setMode(e.target.value as 'BATCH' | 'SINGLE')}>
            <option value="BATCH">{t('modeBatch', { n: exam.pagesPerCopy })}</option>
            <option value="SINGLE">{t('modeSingle')}</option>
          </select>
        </label>
        <button type="submit" className="primary" disabled={!file}>
          {t('upload')}
        </button>
      </form>
      {uploads.map((u, i) => (
        <UploadRow
          key={i}
          u={u}
          onInfo={(info) => patch(i, { info })}
          onError={(error) => patch(i, { error })}
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
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function UploadRow({ u, onInfo, onError, onDone }: { u: Tracked; onInfo(i: UploadInfo): void; onError(e: unknown): void; onDone(): void }) {
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
  let bar;
  if (!u.id) bar = <ProgressBar value={u.sent} max={u.size || 1} label={t('uploading', { pct: Math.round((100 * u.sent) / (u.size || 1)) })} />;
  else if (!info || info.status === 'PENDING') bar = <ProgressBar value={0} max={1} label={t('uploadPending')} />;
  else if (info.status === 'PROCESSING')
    bar = <ProgressBar value={info.pagesDone ?? 0} max={info.pageCount ?? 1} label={t('processing', { done: info.pagesDone ?? 0, total: info.pageCount ?? '?' })} />;
  else if (info.status === 'DONE')
    bar = (
      <>
        <ProgressBar value={1} max={1} label={t('uploadDone', { pages: info.pageCount ?? 0, copies: info.copyIds?.length ?? 0 })} />
      </>
    );
  else bar = <div className="error" role="alert">{t('uploadFailed', { error: info.error ?? '' })}</div>;
  return (
    <div className="card" data-testid="upload">
      <strong>{u.name}</strong>
      {bar}
      <ErrorBox error={u.error} />
    </div>
  );
}

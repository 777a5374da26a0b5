/** Submit, Finalize, Finish (submit + finalize + next copy), taking back one's Submit; the PDF job's progress. */
import type { CopyDetail } from '@korrigo/contracts';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { formatPoints } from '../../lib/points';
import { ErrorBox } from '../common/ui';
import type { useFinalize } from './useFinalize';

interface Props {
  copy: CopyDetail;
  maxTotal: number;
  editable: boolean;
  /** I submitted this copy (or I am an admin): I may take the Submit back while it is LOCKED */
  canUnlock: boolean;
  f: ReturnType<typeof useFinalize>;
}

export function DeskBottomBar({ copy, maxTotal, editable, canUnlock, f }: Props) {
  const { t, lang } = useI18n();
  const running = f.finalize.kind === 'running';
  const canFinalize = (copy.status === 'READY' && editable) || copy.status === 'LOCKED' || copy.status === 'GRADING_FAILED';
  const canFinish = (copy.status === 'READY' && editable) || copy.status === 'LOCKED';
  return (
    <div className="desk-bottom">
      <button type="button" className="primary" disabled={!canFinish || !!f.busy || running} onClick={() => void f.finish()} title="Ctrl+Enter" aria-describedby="submit-help">
        {f.busy === 'finish' ? t('finishing') : t('finish')}
      </button>
      <button type="button" disabled={!editable || !!f.busy} onClick={() => void f.submit()} aria-describedby="submit-help">
        {f.busy === 'submit' ? t('submitting') : t('submit')}
      </button>
      <button type="button" disabled={!canFinalize || !!f.busy || running} onClick={() => void f.finalizeNow()} aria-describedby="submit-help">
        {t('finalize')}
      </button>
      {copy.status === 'LOCKED' && canUnlock && !running && (
        <button type="button" disabled={!!f.busy} onClick={() => void f.unlock()}>
          {t('takeBackSubmit')}
        </button>
      )}
      {(copy.status === 'READY' || copy.status === 'LOCKED') && !running && (
        <span className="muted small" id="submit-help">
          {t(copy.status === 'READY' ? 'submitHelp' : 'finalizeHelp')}
        </span>
      )}
      {running && (
        <span className="progress-inline" role="status">
          <span className="spinner" aria-hidden /> {t('finalizing')}
          {copy.job && copy.job.attempts > 1 ? ` (${copy.job.attempts})` : ''}
        </span>
      )}
      {copy.status === 'GRADING_FAILED' && !running && (
        <span className="error" role="alert">
          {t('gradingFailed', { error: copy.gradingError ?? '' })}{' '}
          <button type="button" onClick={() => void f.finalizeNow()}>
            {t('retryFinalize')}
          </button>
        </span>
      )}
      {f.finalize.kind === 'error' && <ErrorBox error={f.finalize.error} onRetry={() => void f.finalizeNow()} />}
      {copy.status === 'GRADED' && (
        <span role="status">
          {t('graded', { score: `${formatPoints(copy.finalScore ?? copy.total ?? 0, lang)} / ${formatPoints(maxTotal, lang)}` })}{' '}
          {copy.hasFinalPdf && (
            <a href={api.finalPdfUrl(copy.id)} target="_blank" rel="noreferrer">
              {t('downloadPdf')}
            </a>
          )}
        </span>
      )}
      <ErrorBox error={f.actionError} />
    </div>
  );
}

/**
 * The answer of POST /students/provision: a CSV of one-time passwords that exists only in this browser tab.
 * It is offered as a file (a Blob behind an object URL, never sent anywhere again), with a warning that it cannot
 * be shown twice; leaving the page before downloading it asks first.
 */
import { useEffect, useMemo, useState } from 'react';
import { useI18n } from '../../i18n';

export interface Provisioned {
  csv: Blob;
  provisioned: number;
  skipped: number;
  reset: boolean;
}

export function ProvisionResult({ result, onDismiss }: { result: Provisioned; onDismiss(): void }) {
  const { t } = useI18n();
  const [downloaded, setDownloaded] = useState(false);
  const href = useMemo(() => (result.provisioned > 0 ? URL.createObjectURL(result.csv) : null), [result]);
  useEffect(() => () => void (href && URL.revokeObjectURL(href)), [href]);
  const unsaved = !!href && !downloaded;
  useEffect(() => {
    if (!unsaved) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [unsaved]);

  // the file is CSV or printable slips (PDF), as asked: its type says which
  const ext = result.csv.type.startsWith('application/pdf') ? 'pdf' : 'csv';
  const fileName = `student-accounts-${new Date().toISOString().slice(0, 10)}.${ext}`;
  const skipped = result.skipped > 0 ? ` ${t('provisionSkipped', { n: result.skipped })}` : '';
  if (!href)
    return (
      <div role="status" className="notice">
        {(result.reset ? t('resetNone') : t('provisionNone')) + skipped}{' '}
        <button type="button" className="link" onClick={onDismiss}>
          {t('close')}
        </button>
      </div>
    );
  return (
    <div role="alert" className="warning stack" data-testid="provision-result">
      <strong>{t(result.reset ? 'resetDone' : 'provisionDone', { n: result.provisioned }) + skipped}</strong>
      <span>{t('provisionWarning')}</span>
      <div className="row">
        <a className="button primary" href={href} download={fileName} onClick={() => setDownloaded(true)}>
          {t('downloadPasswords')}
        </a>
        <button type="button" onClick={onDismiss} disabled={!downloaded} title={downloaded ? undefined : t('downloadFirst')}>
          {t('provisionDismiss')}
        </button>
      </div>
    </div>
  );
}

/** The desk's top bar (copy, status, lease, save state, copy navigation, help) and the banners under it. */
import type { CopyDetail, Exam } from '@korrigo/contracts';
import { errorMessage } from '../../api/errors';
import { type Key, useI18n } from '../../i18n';
import { Link } from '../../lib/router';
import { hhmm } from '../../lib/time';
import { StatusBadge } from '../common/ui';
import type { Lease } from './useLease';

interface Props {
  copy: CopyDetail;
  exam: Exam | null;
  queueLink: string;
  lease: Lease;
  wantLease: boolean;
  acquire(): void;
  saveText: string;
  idx: number;
  count: number;
  goCopy(delta: number): void;
  showHelp(): void;
  failures: { error: unknown }[];
  dismissFailures(): void;
  restoredNote: boolean;
  closeRestoredNote(): void;
}

export function DeskTopBar(p: Props) {
  const { t, lang } = useI18n();
  const { copy, lease, wantLease } = p;
  // a submitted or graded copy has no lease any more, whatever the last answer said
  const leaseText = !wantLease
    ? ''
    : lease.kind === 'held'
      ? t('heldByYouUntil', { time: hhmm(lease.expiresAt) })
      : lease.kind === 'other'
        ? t('heldBy', { name: lease.owner?.displayName ?? '?' })
        : '';
  const retry = (
    <button type="button" onClick={p.acquire}>
      {t('tryAgain')}
    </button>
  );
  return (
    <>
      <div className="desk-top" role="toolbar" aria-label={t('desk')}>
        <Link to={p.queueLink}>{t('backToQueue')}</Link>
        <span className="muted">{p.exam?.title}</span>
        <strong>{t('copy', { code: copy.anonymousCode })}</strong>
        {copy.student && (
          <span>
            {copy.student.lastName} {copy.student.firstName}
          </span>
        )}
        <StatusBadge status={copy.status} />
        {leaseText && <span className="lease" data-testid="lease">{leaseText}</span>}
        <span className="save-state" data-testid="save-state" aria-live="polite">
          {p.saveText}
        </span>
        <span className="spacer" />
        <button type="button" onClick={() => p.goCopy(-1)} disabled={p.idx <= 0} aria-label={t('prevCopy')}>
          {t('prevCopy')}
        </button>
        <span className="muted">{p.idx >= 0 ? `${p.idx + 1}/${p.count}` : ''}</span>
        <button type="button" onClick={() => p.goCopy(1)} disabled={p.idx < 0 || p.idx >= p.count - 1} aria-label={t('nextCopy')}>
          {t('nextCopy')}
        </button>
        <button type="button" onClick={p.showHelp} aria-label={t('help')}>
          ?
        </button>
      </div>

      {lease.kind === 'other' && wantLease && (
        <div className="banner readonly" role="status">
          {t('readOnlyLocked', { name: lease.owner?.displayName ?? '?', time: hhmm(lease.expiresAt) })} {retry}
        </div>
      )}
      {lease.kind === 'unavailable' && wantLease && (
        <div className="banner readonly" role="status">
          {t('readOnlyNoLease')} {errorMessage(lease.error, lang)} {retry}
        </div>
      )}
      {!wantLease && copy.status !== 'GRADING_IN_PROGRESS' && (
        <div className="banner info" role="status">
          {t('readOnlyStatus', { status: t(`status_${copy.status}` as Key).toLocaleLowerCase(lang) })}
        </div>
      )}
      {p.failures.length > 0 && (
        <div className="banner error" role="alert">
          {p.failures.map((f, i) => (
            <div key={i}>{errorMessage(f.error, lang)}</div>
          ))}
          <button type="button" onClick={p.dismissFailures}>
            {t('close')}
          </button>
        </div>
      )}
      {p.restoredNote && (
        <div className="banner info" role="status">
          {t('draftRestored')}{' '}
          <button type="button" className="link" onClick={p.closeRestoredNote}>
            {t('close')}
          </button>
        </div>
      )}
    </>
  );
}

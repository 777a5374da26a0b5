import type { CopyStatus } from '@korrigo/contracts';
import { type ReactNode, useEffect, useRef } from 'react';
import { ApiError, errorMessage } from '../../api/errors';
import { useI18n } from '../../i18n';

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { lang, t } = useI18n();
  if (!error) return null;
  const missing = error instanceof ApiError && error.isMissingRoute;
  return (
    <div role="alert" className={missing ? 'notice' : 'error'}>
      {missing ? t('notAvailable') : errorMessage(error, lang)}
      {onRetry && !missing && (
        <button type="button" className="link" onClick={onRetry}>
          {t('retry')}
        </button>
      )}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="muted" aria-live="polite">
      {t('loading')}
    </p>
  );
}

export function StatusBadge({ status }: { status: CopyStatus | string }) {
  const { t } = useI18n();
  const key = `status_${status}` as const;
  return <span className={`badge st-${status}`}>{t(key as Parameters<typeof t>[0]) ?? status}</span>;
}

export function Dialog({ title, children, onClose, labelledBy = 'dialog-title' }: { title: string; children: ReactNode; onClose?: () => void; labelledBy?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    ref.current?.querySelector<HTMLElement>('button, input, textarea, select')?.focus();
    return () => prev?.focus?.();
  }, []);
  return (
    <div className="backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose?.()}>
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={labelledBy}
        ref={ref}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && onClose) {
            e.stopPropagation();
            onClose();
          }
        }}
      >
        <h2 id={labelledBy}>{title}</h2>
        {children}
      </div>
    </div>
  );
}

export function ProgressBar({ value, max, label }: { value: number; max: number; label: string }) {
  const pct = max > 0 ? Math.min(100, Math.round((value / max) * 100)) : 0;
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={max} aria-valuenow={value}>
      <div className="progress-fill" style={{ width: `${pct}%` }} />
      <span className="progress-text">{label}</span>
    </div>
  );
}

/** A write was refused because the row changed elsewhere: show both versions, let the teacher choose. */
import { useI18n } from '../../i18n';
import { Dialog } from '../common/ui';

export interface ConflictView {
  what: string;
  intro?: string;
  mine: string[];
  theirs: string[];
  onTheirs(): void;
  onMine(): void;
}

export function ConflictDialog({ what, intro, mine, theirs, onTheirs, onMine }: ConflictView) {
  const { t } = useI18n();
  return (
    <Dialog title={`${t('conflictTitle')} — ${what}`} labelledBy="conflict-title">
      <p>{intro ?? t('conflictIntro')}</p>
      <div className="conflict-cols">
        <section aria-label={t('theirVersion')}>
          <h3>{t('theirVersion')}</h3>
          <ul data-testid="their-version">
            {theirs.map((l, i) => (
              <li key={i}>{l}</li>
            ))}
          </ul>
        </section>
        <section aria-label={t('myVersion')}>
          <h3>{t('myVersion')}</h3>
          <ul data-testid="my-version">
            {mine.map((l, i) => (
              <li key={i}>{l}</li>
            ))}
          </ul>
        </section>
      </div>
      <div className="row">
        <button type="button" onClick={onTheirs}>
          {t('keepTheirs')}
        </button>
        <button type="button" className="primary" onClick={onMine}>
          {t('overwriteMine')}
        </button>
      </div>
    </Dialog>
  );
}

/** One line saying whether the desk's work is on the server: offline, saving, unsaved, or saved at hh:mm. */
import { useI18n } from '../../i18n';
import { hhmm } from '../../lib/time';
import type { DraftStatus } from './useDraft';

type Sync = { pending: number; offline: boolean };

export function useSaveText(editable: boolean, annSync: Sync, scoreSync: Sync, draft: DraftStatus): string {
  const { t } = useI18n();
  if (!editable) return '';
  if (annSync.offline || scoreSync.offline || draft.kind === 'offline') return t('offlineKept');
  if (annSync.pending > 0 || scoreSync.pending > 0 || draft.kind === 'saving') return t('saving');
  if (draft.kind === 'dirty') return t('unsaved');
  if (draft.kind === 'saved') return t('savedAt', { time: hhmm(draft.at) });
  return '';
}

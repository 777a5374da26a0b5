import { useI18n } from '../../i18n';
import { Dialog } from '../common/ui';

export function HelpOverlay({ onClose }: { onClose(): void }) {
  const { t } = useI18n();
  const keys = ['sc_tools', 'sc_pages', 'sc_copies', 'sc_undo', 'sc_delete', 'sc_zoom', 'sc_scores', 'sc_rubric', 'sc_nextQuestion', 'sc_comment', 'sc_finish', 'sc_esc', 'sc_help'] as const;
  return (
    <Dialog title={t('help')} onClose={onClose} labelledBy="help-title">
      <ul className="shortcuts">
        {keys.map((k) => (
          <li key={k}>{t(k)}</li>
        ))}
      </ul>
      <button type="button" onClick={onClose}>
        {t('close')}
      </button>
    </Dialog>
  );
}
